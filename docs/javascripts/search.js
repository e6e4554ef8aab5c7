// Mounts the Pagefind search UI on the search page. Runs on every page load, including Material's
// instant navigation (document$), and loads Pagefind's files only where the search box is.
(function () {
  function mount() {
    var box = document.getElementById("digest-search");
    if (!box || box.dataset.mounted) return;
    box.dataset.mounted = "1";
    var bundle = new URL(box.dataset.bundle, document.baseURI).href;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = bundle + "pagefind-ui.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-ui.js";
    script.onload = function () {
      var ui = new PagefindUI({ element: "#digest-search", bundlePath: bundle, showSubResults: true, showImages: false, resetStyles: false });
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) ui.triggerSearch(query);
    };
    document.head.appendChild(script);
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
