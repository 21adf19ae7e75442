"""The five role groups exist in every installation (DESIGN §1)."""

from django.db import migrations

ROLES = ["会务管理员", "审批人", "会务人员", "领导", "秘书"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
