// Mounts the Pagefind search UI on the search page. Runs on every page load, including Material's
// instant navigation (document$), and loads Pagefind's files only where the search box is.
(function () {
  function mount() {
    var box = document.getElementById("digest-search");
    if (!box || box.dataset.mounted) return;
    box.dataset.mounted = "1";
    // One Pagefind bundle per year (pagefind/bundles.json, newest first): the UI runs on the
    // newest and merges the others, so a query searches every year.
    var base = new URL(box.dataset.bundle, document.baseURI).href;
    fetch(base + "bundles.json")
      .then(function (response) { return response.json(); })
      .then(function (listing) {
        var bundles = listing.bundles.map(function (path) { return new URL(path, base).href; });
        if (!bundles.length) {
          box.textContent = "Nothing to search yet.";
          return;
        }
        var css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = bundles[0] + "pagefind-ui.css";
        document.head.appendChild(css);
        var script = document.createElement("script");
        script.src = bundles[0] + "pagefind-ui.js";
        script.onload = function () {
          var ui = new PagefindUI({
            element: "#digest-search",
            bundlePath: bundles[0],
            mergeIndex: bundles.slice(1).map(function (path) { return { bundlePath: path }; }),
            showSubResults: true,
            showImages: false,
            resetStyles: false,
          });
          var query = new URLSearchParams(window.location.search).get("q");
          if (query) ui.triggerSearch(query);
        };
        document.head.appendChild(script);
      })
      .catch(function () {
        box.textContent = "Search is unavailable: its index could not be loaded.";
      });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
