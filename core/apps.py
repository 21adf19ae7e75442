from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_role_groups(*, using: str = "default", **kwargs: Any) -> None:
    """The five role groups exist after every migrate and every test-database flush.

    A flush (as in transactional tests) empties auth_group, and the data migration that
    first made them will not run again; post_migrate is sent after both.
    """
    from django.contrib.auth.models import Group

    from core.roles import Role

    for role in Role:
        Group.objects.using(using).get_or_create(name=role.value)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础数据"

    def ready(self) -> None:
        post_migrate.connect(
            ensure_role_groups, sender=self, dispatch_uid="core.ensure_role_groups"
        )
