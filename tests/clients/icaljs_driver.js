// Parse calendars with ical.js (the parser in Thunderbird) and print what it
// read as JSON, one line per calendar, for tests/clients.
//
// Input on stdin: for each calendar, a line with its length in bytes, then that
// many bytes. Output: one JSON object per calendar, in input order, with the
// same fields as libical_driver.c. start and end are UTC seconds since 1970,
// resolved through the calendar's own VTIMEZONE: ical.js has no zone database,
// and a TZID without a VTIMEZONE is reported as an error, not guessed.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function readCalendars(input) {
  const calendars = [];
  let at = 0;
  while (at < input.length) {
    const newline = input.indexOf(0x0a, at);
    if (newline < 0) {
      throw new Error("icaljs_driver: expected a length line");
    }
    const length = Number(input.subarray(at, newline).toString("ascii"));
    const start = newline + 1;
    if (!Number.isInteger(length) || start + length > input.length) {
      throw new Error("icaljs_driver: calendar shorter than its length");
    }
    calendars.push(input.subarray(start, start + length).toString("utf8"));
    at = start + length;
  }
  return calendars;
}

function instant(event, name, errors) {
  const prop = event.getFirstProperty(name);
  if (!prop) {
    return null;
  }
  const time = prop.getFirstValue();
  const tzid = prop.getParameter("tzid");
  if (tzid) {
    if (!time.zone || time.zone.tzid !== tzid || !time.zone.component) {
      errors.push(`no VTIMEZONE in the calendar for TZID=${tzid}`);
      return null;
    }
  } else if (!time.zone || time.zone.tzid !== "UTC") {
    errors.push(`floating time in ${name.toUpperCase()}`);
    return null;
  }
  return time.toUnixTime();
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

function names(component) {
  return component.getAllProperties().map((prop) => prop.name.toUpperCase());
}

function parseCalendar(data) {
  const errors = [];
  let root;
  try {
    root = new ICAL.Component(ICAL.parse(data));
  } catch (error) {
    return { errors: [`ical.js could not parse: ${error.message}`], properties: [], name: null, timezones: [], events: [] };
  }
  if (root.name !== "vcalendar") {
    errors.push(`top-level component is not VCALENDAR but ${root.name.toUpperCase()}`);
  }
  const events = root.getAllSubcomponents("vevent").map((event) => {
    const sequence = event.getFirstPropertyValue("sequence");
    return {
      uid: text(event, "uid"),
      summary: text(event, "summary"),
      description: text(event, "description"),
      location: text(event, "location"),
      categories: event.getAllProperties("categories").flatMap((prop) => prop.getValues().map(String)),
      start: instant(event, "dtstart", errors),
      end: instant(event, "dtend", errors),
      status: text(event, "status"),
      sequence: sequence === null ? null : Number(sequence),
      properties: names(event),
    };
  });
  return {
    errors,
    properties: names(root),
    name: text(root, "name"),
    timezones: root.getAllSubcomponents("vtimezone").map((zone) => text(zone, "tzid")),
    events,
  };
}

for (const data of readCalendars(readFileSync(0))) {
  let result;
  try {
    result = parseCalendar(data);
  } catch (error) {
    result = { errors: [`ical.js failed: ${error.stack}`], properties: [], name: null, timezones: [], events: [] };
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
