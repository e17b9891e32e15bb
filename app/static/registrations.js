/* The organisers' registrations list: "all on this page" ticks every row's box and a row's box
   keeps it honest. Without JavaScript the box still works: the server selects the page. */
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) {
    return;
  }
  var rows = Array.prototype.slice.call(
    document.querySelectorAll('input[type="checkbox"][name="r"][form="bulk"]')
  );
  all.addEventListener("change", function () {
    rows.forEach(function (box) {
      box.checked = all.checked;
    });
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) {
        all.checked = false;
      } else if (rows.every(function (other) { return other.checked; })) {
        all.checked = true;
      }
    });
  });
})();
