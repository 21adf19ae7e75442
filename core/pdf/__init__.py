"""The PDF toolkit shared by every document: fonts by role, page sizes, margins, text fitting.

`core.pdf.fonts` finds embeddable CJK fonts and checks every character before drawing;
`core.pdf.base` owns page sizes, margins, the canvas and text helpers. Documents
(`meetings/documents/*.py`) build on these and never see a request.
"""
