"""`manage.py fonts [--text TEXT]`: which font files the PDFs use per role, and why others not.

Lists each role's chain (the settings' files first, then what was found in the system
font folders), the files skipped with the reason (CFF outlines, embedding forbidden,
file missing), and with `--text` whether every character can be printed and in which
font. Exits non-zero when no usable CJK font exists (saying exactly what to install) or
when a character of `--text` has no font. `--check` (run by `make run`) prints one line,
or a warning with the apt-get line, and never fails. Only reads; safe to run any number
of times.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DomainError
from core.pdf.fonts import INSTALL_HINT, FontRole, FontSet, system_fonts


class Command(BaseCommand):
    help = "列出 PDF 使用的字体（黑体/楷体/宋体/仿宋）、跳过的字体及原因；--text 检查字符覆盖"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--text", default="", help="检查这些字符能否打印，如 --text 王𬌗")
        parser.add_argument(
            "--check",
            action="store_true",
            help="简要检查（make run 使用）：没有中文字体时给出警告和安装命令，但不以错误退出",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fonts = system_fonts()
        if options["check"]:
            self._brief(fonts)
            return
        self._list(fonts)
        if not fonts.usable:
            raise CommandError(f"没有可用的中文 TrueType 字体。请安装：{INSTALL_HINT}")
        text: str = options["text"]
        if text:
            self._check(fonts, text)

    def _brief(self, fonts: FontSet) -> None:
        """One line when fonts are fine; otherwise a warning that says exactly what to do.

        Never an error: the web pages work without fonts, only the PDFs need them, and a
        fresh machine should still start (`make run`) and tell the office what to install.
        """
        if fonts.usable:
            used = "，".join(
                f"{role.label} {fonts.chains[role].fonts[0].family}"
                for role in FontRole
                if fonts.chains[role].fonts
            )
            self.stdout.write(f"PDF 字体：{used}")
            return
        lines = [
            "警告：没有可用的中文 TrueType 字体，座次图、桌签等 PDF 将无法生成"
            "（其他功能不受影响）。",
            f"  安装（Debian/Ubuntu）：sudo {INSTALL_HINT}",
            "  或在 .env 中用 FONT_HEI / FONT_KAI / FONT_SONG / FONT_FANGSONG"
            " 指定字体文件（.ttf/.ttc）。",
        ]
        for skipped in fonts.skipped[:5]:
            lines.append(f"  已跳过 {skipped.source}：{skipped.reason}")
        lines.append("  安装后运行 python manage.py fonts 查看各字体角色。")
        self.stderr.write("\n".join(lines))

    def _list(self, fonts: FontSet) -> None:
        out = self.stdout
        for role in FontRole:
            chain = fonts.chains[role]
            out.write(f"{role.label}（{role.value}，{role.setting}）：")
            if not chain.fonts:
                out.write("  （无）")
            for number, font in enumerate(chain.fonts, start=1):
                kind = "首选" if number == 1 else "后备"
                out.write(
                    f"  {number}. {font.source}  {font.family}  "
                    f"[{kind}；来源 {font.source.origin}；{font.glyph_count} 个字符]"
                )
        if fonts.skipped:
            out.write("跳过的字体：")
            for skipped in fonts.skipped:
                out.write(f"  {skipped.source}（{skipped.source.origin}）：{skipped.reason}")
        for note in fonts.notes:
            out.write(f"注意：{note}")

    def _check(self, fonts: FontSet, text: str) -> None:
        failures = []
        self.stdout.write(f"字符检查：{text}")
        for role in FontRole:
            chain = fonts.chains[role]
            try:
                runs = chain.runs(text)
            except DomainError as exc:
                failures.append(f"{role.label}：{exc.message}")
                self.stdout.write(f"  {role.label}：缺字 {''.join(chain.missing(text))}")
                continue
            used = "，".join(f"{run.text} → {run.font.family}" for run in runs)
            self.stdout.write(f"  {role.label}：全部可打印（{used}）")
        if failures:
            raise CommandError("\n".join(failures))
