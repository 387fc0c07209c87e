// Progressive enhancement for the feeds pages; without it every page still works.
// 1. Show each session's time in the viewer's own zone beside the event's zone.
// 2. Turn on the copy buttons.
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

  showLocalTimes();
  enableCopyButtons();
}());
