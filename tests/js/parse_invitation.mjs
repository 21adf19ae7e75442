// Parse an iTIP invitation (METHOD:REQUEST / CANCEL / PUBLISH) from stdin with ical.js —
// Thunderbird's parser — and print as JSON what an invitation's reader looks at: the
// method, each event's UID, SEQUENCE, STATUS and times, ORGANIZER and ATTENDEE with their
// parameters. Run by tests/meetings/notify_support.py.
import ICAL from "ical.js";

function read(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

function address(prop) {
  if (!prop) return null;
  const params = {};
  for (const name of ["cn", "role", "partstat", "rsvp", "cutype"]) {
    const v = prop.getParameter(name);
    if (v !== undefined && v !== null) params[name] = String(v);
  }
  return { value: String(prop.getFirstValue()), ...params };
}

const text = await read(process.stdin);
try {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const vtz of root.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(vtz);
  const events = root.getAllSubcomponents("vevent").map((c) => {
    const event = new ICAL.Event(c);
    return {
      uid: event.uid,
      summary: event.summary,
      sequence: event.sequence,
      status: c.getFirstPropertyValue("status"),
      start_utc: event.startDate.convertToZone(ICAL.Timezone.utcTimezone).toString(),
      description: event.description,
      organizer: address(c.getFirstProperty("organizer")),
      attendees: c.getAllProperties("attendee").map(address),
    };
  });
  process.stdout.write(
    JSON.stringify({ method: root.getFirstPropertyValue("method"), events }),
  );
} catch (err) {
  process.stderr.write(`ical.js could not parse the invitation: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}
