// Progressive enhancement for the feeds pages; without it every page still works.
// 1. Show each session's time in the viewer's own zone beside the event's zone.
// 2. Turn on the copy buttons.
// 3. Stars on sessions, kept in this browser, and "My sessions" as a custom feed.
// 4. The agenda's filters (track, speaker, search, starred) and "happening now / next".
(function () {
  "use strict";

  function parts(date, zone) {
    var found = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short"
    }).formatToParts(date).forEach(function (part) { found[part.type] = part.value; });
    found.day_key = found.year + "-" + found.month + "-" + found.day;
    found.time = found.hour + ":" + found.minute;
    return found;
  }

  function showLocalTimes() {
    var eventZone = document.body.getAttribute("data-zone");
    var viewerZone;
    try {
      viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (err) {
      return;
    }
    if (!eventZone || !viewerZone) {
      return;
    }
    var shown = false;
    // Items of a day's agenda carry their times on the item itself.
    document.querySelectorAll(".day li.session[data-start]").forEach(function (item) {
      var time = item.querySelector(".time");
      if (time && !time.querySelector(".local-time")) {
        if (time.classList.contains("event-time")) {
          var own = document.createElement("span");
          own.className = "event-time";
          own.textContent = time.textContent;
          time.classList.remove("event-time");
          time.textContent = "";
          time.appendChild(own);
        }
        var span = document.createElement("span");
        span.className = "local-time";
        span.setAttribute("data-start", item.getAttribute("data-start"));
        span.setAttribute("data-end", item.getAttribute("data-end"));
        span.hidden = true;
        time.appendChild(span);
      }
    });
    document.querySelectorAll(".local-time[data-start]").forEach(function (slot) {
      var start = new Date(slot.getAttribute("data-start"));
      var end = new Date(slot.getAttribute("data-end"));
      if (isNaN(start) || isNaN(end)) {
        return;
      }
      var here = parts(start, viewerZone);
      var there = parts(start, eventZone);
      if (here.day_key === there.day_key && here.time === there.time) {
        return;
      }
      var until = parts(end, viewerZone);
      var text = (here.day_key !== there.day_key ? here.weekday + " " : "") + here.time + "–" +
        (until.day_key !== here.day_key ? until.weekday + " " : "") + until.time;
      slot.textContent = text + " your time";
      slot.hidden = false;
      shown = true;
    });
    if (shown) {
      document.querySelectorAll(".local-note").forEach(function (note) {
        note.textContent = " Your own time (" + viewerZone + ") is shown beside each session.";
        note.hidden = false;
      });
    }
  }

  function say(button, text) {
    var box = button.closest(".address, .snippet");
    var status = box && box.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }

  function copyByHand(field, button) {
    field.focus();
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    say(button, copied ? "Copied." : "Selected: press Ctrl+C (or ⌘C) to copy.");
  }

  function enableCopyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () {
            say(button, "Copied.");
          }, function () {
            copyByHand(field, button);
          });
        } else {
          copyByHand(field, button);
        }
      });
    });
  }


  // Stars: session id -> [title, start as UTC ISO], in localStorage per event.
  var MAX_STARRED = 50;
  var storeKey = "feeds-stars:" + (document.body.getAttribute("data-event") || "");
  var shared = sharedSelection();
  var stars = shared || loadStars();

  function sharedSelection() {
    var params = new URLSearchParams(window.location.search);
    var kinds = ["track", "speaker"];
    if (!params.has("session") || kinds.some(function (kind) { return params.has(kind); })) {
      return null;
    }
    var found = {};
    params.getAll("session").join(",").split(",").forEach(function (id) {
      id = id.trim();
      if (id) {
        found[id] = [id, ""];
      }
    });
    return found;
  }

  function loadStars() {
    try {
      var found = JSON.parse(window.localStorage.getItem(storeKey) || "{}");
      return found && typeof found === "object" ? found : {};
    } catch (err) {
      return {};
    }
  }

  function saveStars() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(stars));
    } catch (err) {
      // Private windows may refuse storage: the stars last for this page only.
    }
  }

  function starredIds() {
    return Object.keys(stars).sort();
  }

  function sessionId(item) {
    return item.getAttribute("data-id") || item.id.replace(/^session-/, "");
  }

  function sessionTitle(item) {
    var title = item.querySelector(".title");
    return title ? title.textContent.trim() : item.getAttribute("data-id");
  }

  function announce(text) {
    var live = document.querySelector(".star-status");
    if (!live) {
      live = document.createElement("p");
      live.className = "star-status visually-hidden";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  function paintStar(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.querySelector(".star-mark").textContent = on ? "★" : "☆";
  }

  function addStars() {
    document.querySelectorAll("li.session, article.session-detail[data-id]").forEach(function (item) {
      var id = sessionId(item);
      var title = sessionTitle(item);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "star";
      button.setAttribute("aria-label", "Star " + title);
      button.innerHTML = '<span class="star-mark" aria-hidden="true"></span>';
      paintStar(button, Object.prototype.hasOwnProperty.call(stars, id));
      if (stars[id] && !stars[id][1]) {
        stars[id] = [title, item.getAttribute("data-start") || ""];
      }
      button.addEventListener("click", function () {
        var on = !Object.prototype.hasOwnProperty.call(stars, id);
        if (on) {
          stars[id] = [title, item.getAttribute("data-start") || ""];
        } else {
          delete stars[id];
        }
        shared = null;
        saveStars();
        document.querySelectorAll('.star[data-for="' + id + '"]').forEach(function (other) {
          paintStar(other, on);
        });
        announce((on ? "Starred: " : "Unstarred: ") + title + ". " + countText());
        showMine();
        applyFilters();
      });
      button.setAttribute("data-for", id);
      var heading = item.querySelector(".title");
      heading.parentNode.insertBefore(button, heading);
    });
  }

  function countText() {
    var count = starredIds().length;
    return count === 1 ? "1 session starred." : count + " sessions starred.";
  }

  function setVendorLinks(list, query) {
    list.querySelectorAll("a[data-vendor]").forEach(function (link) {
      link.href = link.getAttribute("href").split("?")[0] + "?" + query;
    });
  }

  function showMine() {
    var ids = starredIds();
    document.querySelectorAll(".mine-count").forEach(function (count) {
      count.textContent = ids.length ? " (" + ids.length + ")" : "";
      count.hidden = !ids.length;
    });
    var section = document.getElementById("mine");
    if (!section) {
      return;
    }
    section.querySelectorAll(".mine-nojs").forEach(function (note) { note.hidden = true; });
    var list = section.querySelector(".mine-list");
    list.textContent = "";
    ids.slice().sort(function (a, b) {
      return (stars[a][1] || "").localeCompare(stars[b][1] || "") || a.localeCompare(b);
    }).forEach(function (id) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = section.getAttribute("data-sessions") + encodeURIComponent(id);
      link.textContent = stars[id][0] || id;
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = !ids.length;
    var holder = section.querySelector(".mine-panel");
    var limit = section.querySelector(".mine-limit");
    if (!holder) {
      return;
    }
    limit.hidden = ids.length <= MAX_STARRED;
    holder.hidden = !ids.length || ids.length > MAX_STARRED;
    if (holder.hidden) {
      return;
    }
    var query = "session=" + ids.join(",");
    var address = holder.getAttribute("data-feed") + "?" + query;
    setVendorLinks(holder.querySelector(".apps"), query);
    var reminder = holder.querySelector(".reminder .apps");
    var alarm = reminder.getAttribute("data-alarm");
    setVendorLinks(reminder, query + "&alarm=" + alarm);
    holder.querySelector(".reminder-url code").textContent = address + "&alarm=" + alarm;
    holder.querySelector(".mine-url").value = address;
    holder.querySelector(".qr img").src = holder.getAttribute("data-qr") + "?" + query;
  }

  // Filters and search over the server-rendered agenda.
  function applyFilters() {
    var form = document.querySelector("form.filters");
    if (!form) {
      return;
    }
    var track = form.querySelector(".filter-track").value;
    var speakerField = form.querySelector(".filter-speaker");
    var speaker = speakerField.tagName === "SELECT" ? speakerField.value : "";
    var speakerWords = speakerField.tagName === "SELECT" ? [] : speakerField.value.toLowerCase().split(/\s+/).filter(Boolean);
    var words = form.querySelector(".filter-search").value.toLowerCase().split(/\s+/).filter(Boolean);
    var starredOnly = form.querySelector(".filter-starred").checked;
    var shown = 0;
    var total = 0;
    document.querySelectorAll(".day li.session").forEach(function (item) {
      total += 1;
      var tracks = (item.getAttribute("data-tracks") || "").split(" ");
      var speakers = (item.getAttribute("data-speakers") || "").split(" ");
      var text = item.textContent.toLowerCase();
      var names = speakerWords.length ? (item.querySelector(".speakers") || {textContent: ""}).textContent.toLowerCase() : "";
      var visible = (!track || tracks.indexOf(track) >= 0 || item.querySelector(".plenary") !== null) &&
        (!speaker || speakers.indexOf(speaker) >= 0) &&
        speakerWords.every(function (word) { return names.indexOf(word) >= 0; }) &&
        words.every(function (word) { return text.indexOf(word) >= 0; }) &&
        (!starredOnly || Object.prototype.hasOwnProperty.call(stars, sessionId(item)));
      item.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    document.querySelectorAll(".day .slot").forEach(function (slot) {
      slot.hidden = slot.querySelector("li.session:not([hidden])") === null;
    });
    var filtered = track || speaker || speakerWords.length || words.length || starredOnly;
    var status = document.querySelector(".filter-status");
    status.textContent = filtered ? "Showing " + shown + " of " + total + " sessions of this day." : "";
    document.querySelector(".filter-empty").hidden = !filtered || shown > 0;
  }

  function enableFilters() {
    var form = document.querySelector("form.filters");
    if (!form) {
      return;
    }
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("input", applyFilters);
    form.addEventListener("change", applyFilters);
    var clear = document.querySelector(".filter-clear");
    clear.addEventListener("click", function () {
      form.reset();
      applyFilters();
      form.querySelector(".filter-search").focus();
    });
  }

  // Happening now and next, from the UTC times in the markup and this device's clock.
  function showNow() {
    var box = document.getElementById("now");
    if (!box) {
      return;
    }
    var now = Date.now();
    var current = [];
    var upcoming = [];
    var soonest = Infinity;
    document.querySelectorAll(".day li.session[data-start]").forEach(function (item) {
      if (item.hasAttribute("data-cancelled")) {
        return;
      }
      var start = Date.parse(item.getAttribute("data-start"));
      var end = Date.parse(item.getAttribute("data-end"));
      if (start <= now && now < end) {
        current.push(item);
      } else if (start > now && start - now < 12 * 3600 * 1000) {
        if (start < soonest) {
          soonest = start;
          upcoming = [];
        }
        if (start === soonest) {
          upcoming.push(item);
        }
      }
    });
    var list = box.querySelector(".now-list");
    list.textContent = "";
    var join = document.body.getAttribute("data-join");
    function add(item, label) {
      var entry = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + item.id;
      link.textContent = sessionTitle(item);
      entry.appendChild(document.createTextNode(label + ": "));
      entry.appendChild(link);
      var address = item.getAttribute("data-join") || join;
      if (address) {
        var joinLink = document.createElement("a");
        joinLink.href = address;
        joinLink.className = "join";
        joinLink.textContent = "Join";
        joinLink.setAttribute("aria-label", "Join " + sessionTitle(item));
        entry.appendChild(document.createTextNode(" "));
        entry.appendChild(joinLink);
      }
      list.appendChild(entry);
    }
    current.forEach(function (item) { add(item, "Now"); });
    upcoming.forEach(function (item) {
      var local = parts(new Date(soonest), Intl.DateTimeFormat().resolvedOptions().timeZone);
      add(item, "Next, " + local.time);
    });
    box.hidden = !list.children.length;
  }

  // During the event, the home page opens on today's agenda.
  function openToday() {
    var days = document.querySelector("nav.days");
    if (!days || window.location.pathname !== days.getAttribute("data-home") || window.location.search || window.location.hash) {
      return;
    }
    var zone = document.body.getAttribute("data-zone");
    var today = parts(new Date(), zone).day_key;
    var link = days.querySelector('a[href="' + days.getAttribute("data-days") + today + '"]');
    if (link) {
      window.location.replace(link.href);
    }
  }

  openToday();
  addStars();
  if (shared) {
    announce("Showing the sessions of a shared link. " + countText());
  }
  showMine();
  enableFilters();
  showNow();
  showLocalTimes();
  enableCopyButtons();
}());
