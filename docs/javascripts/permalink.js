// A "Copy link" button on each paper of a day page, at the end of its meta line; it copies the
// paper's permalink (the ¶ beside its title). Without JavaScript the permalink itself is there
// to copy. Runs on every page load, including Material's instant navigation (document$).
(function () {
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      document.body.removeChild(area);
      if (done) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function setup() {
    document.querySelectorAll(".digest-paper h3[id] > .headerlink").forEach(function (link) {
      var heading = link.parentNode;
      if (heading.parentNode.querySelector(".digest-copy")) return;
      var line = heading.nextElementSibling;
      if (!line || !line.classList.contains("digest-meta")) {
        line = document.createElement("p");
        line.className = "digest-meta digest-meta--link"; // the button's own line
        heading.parentNode.insertBefore(line, heading.nextSibling);
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "digest-copy";
      button.setAttribute("aria-label", "Copy link to this paper");  // begins with what it shows (WCAG 2.5.3)
      button.title = "Copy link";
      button.textContent = "Copy link";
      button.addEventListener("click", function () {
        var url = new URL(link.getAttribute("href"), window.location.href).href;
        copy(url).then(
          function () { button.textContent = "Link copied"; },
          function () { button.textContent = "Could not copy: use the ¶ link"; }
        );
        window.setTimeout(function () { button.textContent = "Copy link"; }, 2500);
      });
      line.appendChild(button);
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(setup);
  } else {
    document.addEventListener("DOMContentLoaded", setup);
  }
})();
