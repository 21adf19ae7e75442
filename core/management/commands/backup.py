"""`manage.py backup`: an online backup of the SQLite database (DESIGN §11).

sqlite3's backup API copies a consistent snapshot while the web server and the worker
keep running; copying the file by hand would miss pages still in the WAL. PostgreSQL
has its own tool for this, so there the command says how to call pg_dump and fails,
so that a backup script never believes it made a backup it did not make.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core.timeutil import localtime


def default_name() -> str:
    return f"huiwu-{localtime(timezone.now()):%Y%m%d-%H%M%S}.sqlite3"


def sqlite_backup(source: Path, target: Path) -> None:
    """Copy `source` to `target` through a temporary file, so a reader never sees half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            # The copy inherits WAL mode; a backup should be one self-contained file.
            dst.execute("PRAGMA journal_mode=DELETE")
            (result,) = dst.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                raise CommandError(f"备份文件校验失败：{result}")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)


def pg_dump_hint(db: dict[str, Any]) -> str:
    out = Path(settings.VAR_DIR) / "backups" / default_name().replace(".sqlite3", ".dump")
    parts = ["pg_dump", "--format=custom", f"--file={out}"]
    if db.get("HOST"):
        parts.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        parts.append(f"--port={db['PORT']}")
    if db.get("USER"):
        parts.append(f"--username={db['USER']}")
    parts.append(str(db.get("NAME", "")))
    # The password is deliberately not printed: it would end up in shell history/logs.
    return " ".join(shlex.quote(p) for p in parts)


class Command(BaseCommand):
    help = (
        "Online backup of the SQLite database to var/backups/huiwu-YYYYmmdd-HHMMSS.sqlite3 "
        "(or --out). On PostgreSQL prints the pg_dump command to use instead and fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", help="target file, or an existing directory to put the dated file in"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            raise CommandError(
                "数据库是 PostgreSQL，本命令只备份 SQLite。请用 pg_dump 备份"
                "（密码用 PGPASSWORD 或 ~/.pgpass 提供），例如：\n"
                f"  {pg_dump_hint(db)}\n"
                "恢复：pg_restore --clean --if-exists --dbname=<数据库> <文件>"
            )
        if connection.vendor != "sqlite":
            raise CommandError(f"不支持备份 {connection.vendor} 数据库")
        source = Path(str(db["NAME"]))
        if not source.exists():
            raise CommandError(f"数据库文件不存在：{source}")
        out = options["out"]
        if out is None:
            target = Path(settings.VAR_DIR) / "backups" / default_name()
        elif Path(out).is_dir():
            target = Path(out) / default_name()
        else:
            target = Path(out)
        if target.resolve() == source.resolve():
            raise CommandError("备份目标不能是数据库文件本身")
        sqlite_backup(source, target)
        size_mb = target.stat().st_size / 1_048_576
        self.stdout.write(self.style.SUCCESS(f"已备份到 {target}（{size_mb:.1f} MB）"))
