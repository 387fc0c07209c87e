/*
 * Parse calendars with libical 3 (the parser in Evolution and GNOME) and print
 * what it read as JSON, one line per calendar, for tests/clients.
 *
 * Input on stdin: for each calendar, a line with its length in bytes, then
 * that many bytes. Output: one JSON object per calendar, in input order:
 *   {"errors": [...], "properties": [...], "name": ..., "timezones": [...],
 *    "events": [{"uid", "summary", "description", "location", "categories",
 *                "start", "end", "status", "sequence", "properties"}]}
 * start and end are UTC seconds since 1970, resolved through the calendar's
 * own VTIMEZONE (never libical's built-in zones). Every X-LIC-ERROR property
 * that libical inserts while parsing is reported in "errors".
 *
 * Built by the tests: gcc libical_driver.c $(pkg-config --cflags --libs libical)
 */

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_string(const char *text)
{
    const unsigned char *p;

    if (text == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putchar('\\');
            putchar(*p);
        } else if (*p < 0x20 || *p == 0x7f) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

static void put_error(int *first, const char *prefix, const char *text)
{
    char message[1024];

    snprintf(message, sizeof message, "%s%s", prefix, text ? text : "");
    if (!*first) {
        putchar(',');
    }
    *first = 0;
    put_string(message);
}

/* Report every X-LIC-ERROR in comp and its subcomponents. */
static void put_lic_errors(icalcomponent *comp, int *first)
{
    icalproperty *prop;
    icalcomponent *child;

    for (prop = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY); prop != NULL;
         prop = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
        put_error(first, "X-LIC-ERROR in ", icalcomponent_kind_to_string(icalcomponent_isa(comp)));
        put_error(first, "  ", icalproperty_get_xlicerror(prop));
    }
    for (child = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); child != NULL;
         child = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
        put_lic_errors(child, first);
    }
}

/* Report problems resolving a DTSTART or DTEND to a UTC instant. */
static void put_time_errors(icalcomponent *root, icalcomponent *event, icalproperty_kind kind, int *first)
{
    icalproperty *prop = icalcomponent_get_first_property(event, kind);
    icalparameter *tzid;
    struct icaltimetype value;

    if (prop == NULL) {
        return;
    }
    value = icalvalue_get_datetime(icalproperty_get_value(prop));
    tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    if (tzid != NULL && icalcomponent_get_timezone(root, icalparameter_get_tzid(tzid)) == NULL) {
        put_error(first, "no VTIMEZONE in the calendar for TZID=", icalparameter_get_tzid(tzid));
    } else if (tzid == NULL && !icaltime_is_utc(value)) {
        put_error(first, "floating time in ", icalproperty_get_property_name(prop));
    }
}

/* Print the instant of DTSTART or DTEND, through the calendar's own VTIMEZONE. */
static void put_time(icalcomponent *root, icalcomponent *event, icalproperty_kind kind)
{
    icalproperty *prop = icalcomponent_get_first_property(event, kind);
    icalparameter *tzid;
    icaltimezone *zone = NULL;
    struct icaltimetype value;

    if (prop == NULL) {
        fputs("null", stdout);
        return;
    }
    value = icalvalue_get_datetime(icalproperty_get_value(prop));
    tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    if (tzid != NULL) {
        zone = icalcomponent_get_timezone(root, icalparameter_get_tzid(tzid));
    } else if (icaltime_is_utc(value)) {
        zone = icaltimezone_get_utc_timezone();
    }
    if (zone == NULL) {
        fputs("null", stdout);
        return;
    }
    printf("%lld", (long long)icaltime_as_timet_with_zone(value, zone));
}

static void put_property_names(icalcomponent *comp)
{
    icalproperty *prop;
    int first = 1;

    putchar('[');
    for (prop = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); prop != NULL;
         prop = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
        if (!first) {
            putchar(',');
        }
        first = 0;
        put_string(icalproperty_get_property_name(prop));
    }
    putchar(']');
}

static void put_text(icalcomponent *comp, icalproperty_kind kind, const char *(*get)(const icalproperty *))
{
    icalproperty *prop = icalcomponent_get_first_property(comp, kind);

    put_string(prop ? get(prop) : NULL);
}

static void put_event(icalcomponent *root, icalcomponent *event)
{
    icalproperty *prop;
    int first = 1;

    fputs("{\"uid\":", stdout);
    put_text(event, ICAL_UID_PROPERTY, icalproperty_get_uid);
    fputs(",\"summary\":", stdout);
    put_text(event, ICAL_SUMMARY_PROPERTY, icalproperty_get_summary);
    fputs(",\"description\":", stdout);
    put_text(event, ICAL_DESCRIPTION_PROPERTY, icalproperty_get_description);
    fputs(",\"location\":", stdout);
    put_text(event, ICAL_LOCATION_PROPERTY, icalproperty_get_location);
    fputs(",\"categories\":[", stdout);
    /* libical splits a comma-separated CATEGORIES into one property per value. */
    for (prop = icalcomponent_get_first_property(event, ICAL_CATEGORIES_PROPERTY); prop != NULL;
         prop = icalcomponent_get_next_property(event, ICAL_CATEGORIES_PROPERTY)) {
        if (!first) {
            putchar(',');
        }
        first = 0;
        put_string(icalproperty_get_categories(prop));
    }
    fputs("],\"start\":", stdout);
    put_time(root, event, ICAL_DTSTART_PROPERTY);
    fputs(",\"end\":", stdout);
    put_time(root, event, ICAL_DTEND_PROPERTY);
    fputs(",\"status\":", stdout);
    prop = icalcomponent_get_first_property(event, ICAL_STATUS_PROPERTY);
    put_string(prop ? icalproperty_status_to_string(icalproperty_get_status(prop)) : NULL);
    fputs(",\"sequence\":", stdout);
    prop = icalcomponent_get_first_property(event, ICAL_SEQUENCE_PROPERTY);
    if (prop) {
        printf("%d", icalproperty_get_sequence(prop));
    } else {
        fputs("null", stdout);
    }
    fputs(",\"properties\":", stdout);
    put_property_names(event);
    putchar('}');
}

static void put_calendar(const char *data)
{
    icalcomponent *root;
    icalcomponent *child;
    int first = 1;

    icalerror_clear_errno();
    root = icalparser_parse_string(data);
    fputs("{\"errors\":[", stdout);
    if (root == NULL) {
        put_error(&first, "libical returned no component: ", icalerror_strerror(icalerrno));
        fputs("],\"properties\":[],\"name\":null,\"timezones\":[],\"events\":[]}\n", stdout);
        return;
    }
    if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
        put_error(&first, "top-level component is not VCALENDAR but ",
                  icalcomponent_kind_to_string(icalcomponent_isa(root)));
    }
    if (icalerrno != ICAL_NO_ERROR) {
        put_error(&first, "libical error: ", icalerror_strerror(icalerrno));
    }
    put_lic_errors(root, &first);
    for (child = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); child != NULL;
         child = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
        put_time_errors(root, child, ICAL_DTSTART_PROPERTY, &first);
        put_time_errors(root, child, ICAL_DTEND_PROPERTY, &first);
    }
    fputs("],\"properties\":", stdout);
    put_property_names(root);
    fputs(",\"name\":", stdout);
    put_text(root, ICAL_NAME_PROPERTY, icalproperty_get_name);
    fputs(",\"timezones\":[", stdout);
    first = 1;
    for (child = icalcomponent_get_first_component(root, ICAL_VTIMEZONE_COMPONENT); child != NULL;
         child = icalcomponent_get_next_component(root, ICAL_VTIMEZONE_COMPONENT)) {
        if (!first) {
            putchar(',');
        }
        first = 0;
        put_text(child, ICAL_TZID_PROPERTY, icalproperty_get_tzid);
    }
    fputs("],\"events\":[", stdout);
    first = 1;
    for (child = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); child != NULL;
         child = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
        if (!first) {
            putchar(',');
        }
        first = 0;
        put_event(root, child);
    }
    fputs("]}\n", stdout);
    icalcomponent_free(root);
}

int main(void)
{
    size_t length;
    char *data;

    while (scanf("%zu", &length) == 1) {
        if (getchar() != '\n') {
            fputs("libical_driver: expected a newline after the length\n", stderr);
            return 2;
        }
        data = malloc(length + 1);
        if (data == NULL || fread(data, 1, length, stdin) != length) {
            fputs("libical_driver: calendar shorter than its length\n", stderr);
            return 2;
        }
        data[length] = '\0';
        put_calendar(data);
        free(data);
    }
    return 0;
}
