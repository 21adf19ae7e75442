# A calendar feed's ETag reads four columns of each meeting; this index has them all
# (meetings.calendar._fingerprint, bench/feed.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0006_booking_and_feed_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(fields=['id', 'end', 'status', 'updated_at'], name='meeting_fingerprint'),
        ),
    ]
