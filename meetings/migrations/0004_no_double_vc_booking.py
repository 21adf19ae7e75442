"""PostgreSQL only: two active VC links may not hold one MCU number at the same time.

The same last guard as meeting_no_double_booking (0002), for virtual meeting rooms.
"""

from django.db import migrations

CONSTRAINT = "vclink_no_double_booking"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"""
        ALTER TABLE meetings_vclink ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (
            resource_id WITH =,
            tstzrange(occupied_start, occupied_end, '[)') WITH &&
        ) WHERE (resource_id IS NOT NULL AND active)
        """
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE meetings_vclink DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_vc_and_feeds")]
    operations = [migrations.RunPython(forwards, backwards)]
