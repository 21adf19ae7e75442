"""`manage.py fonts --check`, run by `make run`: one line, or a warning saying what to install."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from core.pdf.fonts import discover


def test_check_names_the_font_of_each_role():
    out = StringIO()
    call_command("fonts", check=True, stdout=out)
    line = out.getvalue()
    assert line.startswith("PDF 字体：") and "黑体" in line and "仿宋" in line


def test_check_without_fonts_warns_with_the_apt_get_line_and_does_not_fail(tmp_path, monkeypatch):
    from core.management.commands import fonts as command

    noto = tmp_path / "NotoSansCJK-Regular.ttc"
    noto.write_bytes(b"OTTO" + b"\x00" * 64)  # a CFF font: found, but reportlab cannot embed it
    monkeypatch.setattr(
        command,
        "system_fonts",
        lambda: discover(dirs=[tmp_path]),
    )
    out, err = StringIO(), StringIO()
    call_command("fonts", check=True, stdout=out, stderr=err)  # no CommandError
    warning = err.getvalue()
    assert "sudo apt-get install fonts-wqy-microhei fonts-lxgw-wenkai" in warning
    assert "FONT_HEI" in warning
    assert "NotoSansCJK-Regular.ttc" in warning and "CFF" in warning  # why Noto is not used
    assert out.getvalue() == ""
