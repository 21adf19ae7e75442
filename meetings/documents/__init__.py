"""One module per printed document; each has `render(...) -> bytes` over plain data.

They never see a request or a model: the service layer builds their input dataclasses
(from attendees, seats, the meeting) and the view only sends the bytes.
"""
