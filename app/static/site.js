/* Treffpunkt: small progressive enhancements. Every page works without them (and the CSP
   allows no inline script, so they live here). */
(function () {
  "use strict";

  // A refused form answers at its URL's fragment (#register); focus moves to the error
  // summary (or the refusal notice), so that a screen reader reads it first.
  // Scrolling to the fragment may take the focus back to the document once the page has
  // loaded, so it is moved again then, unless the reader has gone on meanwhile.
  var target = document.querySelector("[data-autofocus]");
  if (target) {
    target.focus();
    window.addEventListener("load", function () {
      if (document.activeElement === document.body || document.activeElement === null) {
        target.focus();
      }
    });
  }

  // Online events: the time in the browser's own zone, where it differs from the event's
  // (and from the Kyiv time a Ukrainian page already shows).
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  var locales = { de: "de-DE", en: "en-GB", uk: "uk-UA" };

  function offsetMinutes(date, timeZone) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit"
    }).formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute);
    return Math.round((wall - Math.floor(date.getTime() / 60000) * 60000) / 60000);
  }

  document.querySelectorAll("[data-local-time]").forEach(function (element) {
    try {
      var start = new Date(element.dataset.start);
      var end = new Date(element.dataset.end);
      if (isNaN(start.getTime()) || isNaN(end.getTime())) {
        return;
      }
      var mine = offsetMinutes(start, zone);
      if (mine === offsetMinutes(start, element.dataset.zone)) {
        return;
      }
      if (element.dataset.shownZone && mine === offsetMinutes(start, element.dataset.shownZone)) {
        return;
      }
      var locale = locales[element.dataset.locale];
      var day = new Intl.DateTimeFormat(locale, {
        timeZone: zone, weekday: "long", day: "numeric", month: "long"
      });
      var clock = new Intl.DateTimeFormat(locale, {
        timeZone: zone, hour: "2-digit", minute: "2-digit"
      });
      var clockWithZone = new Intl.DateTimeFormat(locale, {
        timeZone: zone, hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
      var sameDay = day.format(start) === day.format(end);
      element.textContent = element.dataset.label + ": " + day.format(start) + ", " +
        clock.format(start) + "–" + (sameDay ? "" : day.format(end) + ", ") +
        clockWithZone.format(end);
      element.hidden = false;
    } catch (error) {
      // An unknown zone or an old browser: the event's own time stands alone.
    }
  });
})();
