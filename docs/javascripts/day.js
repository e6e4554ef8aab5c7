// Day pages: a compact ⇄ full switch (remembered by the browser), a theme filter and a sort.
// Without JavaScript the page is complete: each abstract opens on its own (<details>). Runs on
// every page load, including Material's instant navigation (document$).
(function () {
  var VIEW_KEY = "digest-view";

  function stored() {
    try {
      return window.localStorage.getItem(VIEW_KEY) === "full" ? "full" : "compact";
    } catch (e) {
      return "compact"; // storage blocked: compact, as without JavaScript
    }
  }

  function remember(view) {
    try {
      window.localStorage.setItem(VIEW_KEY, view);
    } catch (e) {
      /* storage blocked: the switch still works on this page */
    }
  }

  function control(label, element) {
    var wrap = document.createElement("label");
    wrap.className = "digest-toolbar__item";
    wrap.appendChild(document.createTextNode(label + " "));
    wrap.appendChild(element);
    return wrap;
  }

  function option(select, value, text) {
    var item = document.createElement("option");
    item.value = value;
    item.textContent = text;
    select.appendChild(item);
  }

  function setup() {
    var papers = Array.prototype.slice.call(document.querySelectorAll(".digest-paper"));
    var first = document.querySelector("section.digest-papers");
    if (!papers.length || !first || document.querySelector(".digest-toolbar")) return;
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.digest-papers"));

    // Theme names as the chips show them, by theme id (the chips follow data-themes' order).
    var names = {};
    papers.forEach(function (paper) {
      var ids = (paper.getAttribute("data-themes") || "").split(" ");
      paper.querySelectorAll(".digest-tag").forEach(function (tag, i) {
        if (ids[i] && !names[ids[i]]) names[ids[i]] = tag.textContent;
      });
    });

    var bar = document.createElement("div");
    bar.className = "digest-toolbar";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Show the papers");

    var view = document.createElement("button");
    view.type = "button";
    view.className = "digest-toolbar__view";
    bar.appendChild(view);

    var filter = document.createElement("select");
    filter.className = "digest-toolbar__filter";
    option(filter, "", "All themes");
    Object.keys(names)
      .sort(function (a, b) { return names[a].localeCompare(names[b]); })
      .forEach(function (id) { option(filter, id, names[id]); });
    bar.appendChild(control("Theme", filter));

    // Sorting by upvotes means something only where some paper has them (some listings have none).
    var upvoted = papers.some(function (paper) { return paper.hasAttribute("data-upvotes"); });
    var sort = document.createElement("select");
    sort.className = "digest-toolbar__sort";
    option(sort, "upvotes", "Upvotes, then listing");
    option(sort, "listing", "Listing order");
    if (upvoted) bar.appendChild(control("Sort", sort));

    var status = document.createElement("p");
    status.className = "digest-toolbar__status";
    status.setAttribute("aria-live", "polite");
    bar.appendChild(status);

    var anchor = document.querySelector("nav.digest-themes") || first.previousElementSibling;
    anchor.parentNode.insertBefore(bar, anchor.nextSibling);

    function showView(mode) {
      var full = mode === "full";
      view.textContent = full ? "Show compact" : "Show full abstracts";
      view.setAttribute("aria-pressed", full ? "true" : "false");
      document.querySelectorAll("details.digest-abstract").forEach(function (d) { d.open = full; });
    }
    view.addEventListener("click", function () {
      var mode = view.getAttribute("aria-pressed") === "true" ? "compact" : "full";
      remember(mode);
      showView(mode);
    });
    showView(stored());

    function number(paper, name, missing) {
      var value = paper.getAttribute(name);
      return value === null ? missing : parseInt(value, 10);
    }

    sort.addEventListener("change", function () {
      var byUpvotes = sort.value === "upvotes";
      sections.forEach(function (section) {
        var items = Array.prototype.slice.call(section.querySelectorAll(":scope > .digest-paper"));
        items.sort(function (a, b) {
          if (byUpvotes) {
            var ua = number(a, "data-upvotes", -1), ub = number(b, "data-upvotes", -1);
            if (ua !== ub) return ub - ua;
          }
          return number(a, "data-order", 0) - number(b, "data-order", 0);
        });
        items.forEach(function (item) { section.appendChild(item); });
      });
    });

    function hasTheme(element, theme) {
      return !theme || (" " + element.getAttribute("data-themes") + " ").indexOf(" " + theme + " ") >= 0;
    }
    // The page's table of contents follows: a hidden section's entry goes too.
    function hideEntry(id, hidden) {
      document.querySelectorAll('.md-nav--secondary a[href$="#' + id + '"]').forEach(function (a) {
        a.parentNode.hidden = hidden;
      });
    }

    filter.addEventListener("change", function () {
      var theme = filter.value;
      var shown = 0;
      sections.forEach(function (section) {
        var visible = 0;
        section.querySelectorAll(":scope > .digest-paper").forEach(function (paper) {
          var match = hasTheme(paper, theme);
          paper.hidden = !match;
          if (match) visible += 1;
        });
        section.hidden = visible === 0;
        var heading = section.previousElementSibling;
        if (heading && heading.tagName === "H2") {
          heading.hidden = visible === 0;
          hideEntry(heading.id, visible === 0);
        }
        shown += visible;
      });
      // "Seen again" follows too: its papers by their themes, its heading while one is left.
      var again = document.getElementById("seen-again");
      var list = again && again.nextElementSibling;
      if (list && list.classList.contains("digest-list")) {
        var left = 0;
        list.querySelectorAll(":scope > li").forEach(function (item) {
          var match = hasTheme(item, theme);
          item.hidden = !match;
          if (match) left += 1;
        });
        again.hidden = list.hidden = left === 0;
        hideEntry("seen-again", left === 0);
      }
      status.textContent = theme ? shown + " of " + papers.length + " papers on this page: " + names[theme] : "";
    });
  }

  // The paper a link led to (a search result, a feed item, a shared permalink) shows its whole
  // abstract: the reader asked for this paper, and the words they searched for may be in its rest.
  function openTarget() {
    var id;
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (e) {
      return; // a malformed address: nothing to open
    }
    var heading = id && document.getElementById(id);
    var paper = heading && heading.tagName === "H3" && heading.parentNode;
    if (!paper || !paper.classList || !paper.classList.contains("digest-paper")) return;
    var abstract = paper.querySelector("details.digest-abstract");
    if (abstract) abstract.open = true;
  }

  function start() {
    setup();
    openTarget();
  }

  window.addEventListener("hashchange", openTarget);
  if (typeof document$ !== "undefined") {
    document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
