"""Seating by protocol (DESIGN §5): the arrangement engine and 姓氏笔画 order.

Pure functions over plain dataclasses (`engine.py`, `strokes.py`); the seat layouts
themselves are in `rooms/layouts.py`. The service layer stores arrangements.
"""
