// claims report: page and filter long tables, and reveal an anchor that sits on a hidden page or in a
// closed <details>. Without JavaScript every row is simply shown.
(function () {
  "use strict";

  function setUp(table) {
    var size = parseInt(table.getAttribute("data-page-size"), 10) || 25;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    if (rows.length <= size) return;
    var page = 0, shown = rows;
    var bar = document.createElement("div");
    bar.className = "pager";
    bar.innerHTML = '<input type="search" placeholder="Filter these rows…" aria-label="Filter rows">' +
      '<button type="button" data-step="-1">‹ Prev</button><span></span>' +
      '<button type="button" data-step="1">Next ›</button>';
    table.parentNode.insertBefore(bar, table);
    var input = bar.querySelector("input"), label = bar.querySelector("span");
    var prev = bar.querySelector('[data-step="-1"]'), next = bar.querySelector('[data-step="1"]');

    function render() {
      var pages = Math.max(1, Math.ceil(shown.length / size));
      page = Math.min(Math.max(page, 0), pages - 1);
      var lo = page * size, hi = lo + size;
      rows.forEach(function (r) { r.hidden = true; });
      shown.slice(lo, hi).forEach(function (r) { r.hidden = false; });
      label.textContent = "page " + (page + 1) + " of " + pages + " (" + shown.length + " rows)";
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    bar.addEventListener("click", function (e) {
      var step = e.target.getAttribute && e.target.getAttribute("data-step");
      if (step) { page += parseInt(step, 10); render(); }
    });
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      shown = q ? rows.filter(function (r) { return r.textContent.toLowerCase().indexOf(q) >= 0; }) : rows;
      page = 0;
      render();
    });
    table.claimsShow = function (row) {
      input.value = "";
      shown = rows;
      page = Math.floor(rows.indexOf(row) / size);
      render();
    };
    render();
  }

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    for (var p = el.parentElement; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
    var table = el.closest && el.closest("table");
    if (table && table.claimsShow && el.hidden) table.claimsShow(el);
    el.scrollIntoView({ block: "center" });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.paged"), setUp);
  window.addEventListener("hashchange", reveal);
  reveal();
})();
