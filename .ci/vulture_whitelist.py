"""Names vulture cannot see used: read by templates, by gunicorn, or called by a library through a protocol.

Flask's registration decorators and the pytest and stdlib callback names are in pyproject.toml's [tool.vulture].
Vulture matches names, not objects, so each line names the attribute only; the comment says who reads it.
"""

# ruff: noqa: B018

from vulture.whitelists.whitelist_utils import Whitelist

_ = Whitelist()

# Jinja templates (feeds/templates/*.html) read these attributes.
_.start_utc  # SessionRow: data-start on each session (macros.html, session.html)
_.end_utc  # SessionRow: data-end
_.compact  # Agenda: a long day's short listing (index.html)
_.feed_url  # PageMeta: <link rel="alternate" type="text/calendar"> (base.html)
_.feed_title  # PageMeta: that link's title
_.detail  # Panel: the line under a subscribe panel (macros.html)
_.reminded  # Panel: the same links with a reminder (macros.html)
_.searched  # BuilderChoices: whether the builder lists search results (index.html)

# werkzeug reads a URL converter's pattern.
_.regex  # SlugConverter

# gunicorn reads the settings module feeds/gunicorn_conf.py by name.
_.bind
_.workers
_.worker_class
_.timeout
_.graceful_timeout
_.keepalive
_.max_requests
_.accesslog
_.errorlog
_.limit_request_line
_.limit_request_fields
_.limit_request_field_size
_.control_socket_disable
_.post_worker_init  # a server hook

# json's scanner calls the decoder's parse_object and parse_array with every argument, named or not.
_.parse_object  # feeds/importer/sourcetext.py _Decoder
_.parse_array
_.hook
_.pairs_hook

# icalendar serializes a vCategory from its cats list.
_.cats  # feeds/render/ics.py

# signal.signal calls a handler with the signal number and the frame.
_.signum  # deploy/serve_nginx.py stop()

# Flask's add_url_rule signature, kept by ReadOnlyBlueprint, which never adds an automatic OPTIONS.
_.provide_automatic_options  # feeds/web/routing.py
