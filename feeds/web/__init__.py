"""The HTTP service, the only package that knows HTTP.

- app: create_web_app, which wires the blueprints, error handlers and WSGI layers together
- responses: every kind of answer and its headers, conditional GET
- context: what views read from the app and the request (publisher, base URL, publication)
- routing: read-only blueprints, the slug converter, the URL rules of items
- selection: the custom feed a query chooses
- feeds: the .ics routes; documents: frab schedules, the change feed, QR codes, /healthz
- pages: the frame of HTML pages; agenda, items, organizers: the pages themselves
- errors: refusals, HTTP errors and unexpected failures
- fastpath: the WSGI layer answering feed requests without Flask
"""
