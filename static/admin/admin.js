// Hangar admin: the few things JavaScript makes better. Every page works
// without it (a lookup falls back to typing the related row's key).
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Select-all checkbox on the change list.
  var all = $("#select-all");
  if (all) {
    all.addEventListener("change", function () {
      $all("input.row-check").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // Type-ahead lookups: a button next to a foreign key's input opens a
  // dialog that searches the related rows page by page.
  var dialog = $("#lookup-dialog");
  if (!dialog) { return; }
  var search = $("#lookup-q", dialog);
  var results = $("#lookup-results", dialog);
  var prev = $("#lookup-prev", dialog);
  var next = $("#lookup-next", dialog);
  var current = null; // {input, label, url, page}
  var timer = null;
  var seq = 0; // only the newest request may fill the list
  var loaded = null; // the promise of the newest load

  function load() {
    var mine = ++seq;
    var url = current.url + "&page=" + current.page + "&q=" + encodeURIComponent(search.value);
    loaded = fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("lookup failed: " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (mine !== seq) { return; }
        results.textContent = "";
        if (!data.objects.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = "No matches.";
          results.appendChild(none);
        }
        data.objects.forEach(function (o) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "pick";
          b.textContent = o.label;
          b.dataset.id = String(o.id);
          b.addEventListener("click", function () { pick(String(o.id), o.label); });
          li.appendChild(b);
          results.appendChild(li);
        });
        prev.disabled = data.page <= 1;
        next.disabled = !data.has_next;
        prev.parentNode.hidden = prev.disabled && next.disabled;
      })
      .catch(function () {
        if (mine !== seq) { return; }
        results.textContent = "";
        var li = document.createElement("li");
        li.className = "error";
        li.textContent = "The lookup failed; try again.";
        results.appendChild(li);
      });
  }

  function pick(id, label) {
    current.input.value = id;
    if (current.label) { current.label.textContent = label; }
    dialog.close();
    current.input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  $all("button.lookup-open").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.closest(".lookup");
      current = {
        input: $("input", box),
        label: $(".lookup-label", box),
        url: button.dataset.url,
        page: 1
      };
      search.value = "";
      results.textContent = "";
      dialog.showModal();
      search.focus();
      load();
    });
  });
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { timer = null; current.page = 1; load(); }, 200);
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      ev.preventDefault();
      // pick from the results of what is typed now, not of an older query
      if (timer) { clearTimeout(timer); timer = null; current.page = 1; load(); }
      loaded.then(function () {
        var first = $("button.pick", results);
        if (first) { first.click(); }
      });
    }
  });
  prev.addEventListener("click", function () { current.page -= 1; load(); });
  next.addEventListener("click", function () { current.page += 1; load(); });
  $("#lookup-close", dialog).addEventListener("click", function () { dialog.close(); });
})();
