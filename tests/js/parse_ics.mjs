// Parse an iCalendar document from stdin with ical.js — Thunderbird's parser — and print
// what the Python tests check, as JSON. Run by tests/meetings/icaljs.py.
//
// The VTIMEZONE components are registered before the events are read, as Thunderbird
// does: a DTSTART;TZID=Asia/Shanghai then converts to UTC through the feed's own
// VTIMEZONE, so a missing or wrong VTIMEZONE shows up as a wrong UTC time.
import ICAL from "ical.js";

function read(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

function value(component, name) {
  const v = component.getFirstPropertyValue(name);
  return v === null || v === undefined ? null : String(v);
}

function time(t) {
  if (!t) return null;
  return {
    local: t.toString(),
    tzid: t.timezone || (t.zone ? t.zone.tzid : null),
    utc: t.convertToZone(ICAL.Timezone.utcTimezone).toString(),
  };
}

const text = await read(process.stdin);
try {
  const root = new ICAL.Component(ICAL.parse(text));
  const timezones = root.getAllSubcomponents("vtimezone");
  for (const vtz of timezones) ICAL.TimezoneService.register(vtz);
  const events = root.getAllSubcomponents("vevent").map((c) => {
    const event = new ICAL.Event(c);
    const conference = c.getFirstProperty("conference");
    return {
      uid: event.uid,
      summary: event.summary,
      start: time(event.startDate),
      end: time(event.endDate),
      sequence: event.sequence,
      status: value(c, "status"),
      location: event.location,
      description: event.description,
      url: value(c, "url"),
      class: value(c, "class"),
      transp: value(c, "transp"),
      dtstamp: value(c, "dtstamp"),
      last_modified: value(c, "last-modified"),
      conference: conference
        ? {
            value: String(conference.getFirstValue()),
            label: conference.getParameter("label") ?? null,
            feature: conference.getParameter("feature") ?? null,
          }
        : null,
      alarms: c.getAllSubcomponents("valarm").map((a) => ({
        action: value(a, "action"),
        trigger: value(a, "trigger"),
      })),
    };
  });
  process.stdout.write(
    JSON.stringify({
      method: value(root, "method"),
      name: value(root, "name"),
      calname: value(root, "x-wr-calname"),
      refresh_interval: value(root, "refresh-interval"),
      published_ttl: value(root, "x-published-ttl"),
      timezones: timezones.map((tz) => value(tz, "tzid")),
      events,
    }),
  );
} catch (err) {
  process.stderr.write(`ical.js could not parse the calendar: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}
