"""PostgreSQL only: the exclusion constraint that makes double booking impossible.

Two blocking meetings (pending holds or approved) in the same room may not have
overlapping occupied intervals ('[)' — half-open, so back-to-back is fine). The
services check first to give a good message; this is the last guard under races.
SQLite has no such constraint; there IMMEDIATE transactions serialise writers.
"""

from django.db import migrations

CONSTRAINT = "meeting_no_double_booking"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"""
        ALTER TABLE meetings_meeting ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (
            room_id WITH =,
            tstzrange(occupied_start, occupied_end, '[)') WITH &&
        ) WHERE (room_id IS NOT NULL AND status IN ('pending', 'approved'))
        """
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE meetings_meeting DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
