"""Publishing an event: the pure publication of a release, the one writer that records and renders it, the watcher.

Its modules each do one job; imports point down the list:
- publisher: `Publisher`, serving the newest release every process follows;
- watcher: the holder of the watch lock judging event.yaml (release, hold or draft), the /healthz status;
- record: `release_event`, the one writer of releases, and `sync_ledger` where none can be written;
- store: the release folder, writing releases and pointing `current` at the newest;
- release: one release as a reader sees it, its manifest and lazily read feed bodies;
- review: what a draft would change and what looks like a costly mistake (holds);
- verdict: the watch lock and the verdict the watcher shares with the other workers;
- publication: `Publication`, every feed of one (event, ledger), pure;
- parts: the rendered VEVENTs shared by every feed and publication.
"""
