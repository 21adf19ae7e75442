# Indexes for the hot paths of DESIGN §10 (bench/booking.py, bench/feed.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0005_attendees_agenda_series_seating'),
    ]

    operations = [
        # The conflict check ranges over the end first: it reads the room's meetings ahead
        # of the slot, not its whole history.
        migrations.RemoveIndex(
            model_name='meeting',
            name='meeting_room_occupied',
        ),
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(fields=['room', 'occupied_end', 'occupied_start'], name='meeting_room_occupied_end'),
        ),
        # Pending holds only: an index led by status made SQLite's planner (without
        # statistics) scan every pending and approved meeting for the room board and
        # the availability API.
        migrations.RemoveIndex(
            model_name='meeting',
            name='meeting_holds',
        ),
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['hold_expires_at'], name='meeting_holds'),
        ),
        # A person's meetings without reading attendance rows (feed ETag, person-busy check).
        migrations.AddIndex(
            model_name='attendance',
            index=models.Index(fields=['person', 'meeting'], name='attendance_person_meeting'),
        ),
    ]
