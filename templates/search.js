(function () {
  "use strict";
  var box = document.getElementById("search");
  var data = JSON.parse(document.getElementById("search-data").textContent);
  var input = document.getElementById("q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  box.hidden = false;
  function show() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    var hits = data.filter(function (d) {
      var text = (d.t + " " + d.s).toLowerCase();
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    }).slice(0, 50);
    status.textContent = hits.length ? hits.length + " found" + (hits.length === 50 ? " (first 50)" : "") : "Nothing found.";
    hits.forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = d.i;
      a.textContent = d.t;
      var when = document.createElement("a");
      when.className = "when";
      when.href = d.h;
      when.textContent = d.d;
      li.appendChild(a);
      li.appendChild(when);
      list.appendChild(li);
    });
  }
  input.addEventListener("input", show);
  var m = /^#q=(.*)$/.exec(location.hash);
  if (m) { input.value = decodeURIComponent(m[1]); show(); }
})();
