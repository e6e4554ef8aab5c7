// Paper search (Pagefind, one record per paper, bundles of a month or a half-year; see
// generator/search.py). The header's box (partials/search.html) on every page: "/" focuses it,
// Enter opens the search page with ?q=. The search page (#digest-search) gets a form with a
// theme filter, a year filter and an order; every matching paper is its own result. The form's state lives in the address
// (search/?q=WORD&theme=…&year=…&sort=…), so a search can be linked. A query that finds nothing
// offers "Did you mean …?" from the site's words (pagefind/words.json). Runs on every page load and
// on Material's instant navigation (document$); Pagefind's files load only on the search page.
(function () {
  "use strict";
  var PAGE_SIZE = 20;
  var SNIPPET_WORDS = 32;
  var SORTS = [
    ["", "Best match"],
    ["date", "Newest first"],
  ];
  var engine = null; // Promise of {instance, parts: [{name, year, url}], years, themes}
  var current = 0; // the latest query run; older answers are dropped

  function siteRoot() {
    // Material's own scope (the site root as an absolute URL), set in every page's head.
    return typeof __md_scope !== "undefined" ? new URL(__md_scope.href) : new URL("../", document.baseURI);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function loadEngine() {
    if (engine) return engine;
    var base = new URL("pagefind/", siteRoot()).href;
    engine = fetch(base + "bundles.json")
      .then(function (response) {
        if (!response.ok) throw new Error("bundles.json: " + response.status);
        return response.json();
      })
      .then(function (listing) {
        // One bundle per month of the newest half-year, then one per half-year ("2026-06",
        // "2026-h1", "2025-h2"; see generator/search.py); each one's records carry its name as
        // the filter "part", so a search can ask one bundle at a time.
        // "revised": the papers revised after their half-year's bundle was made, of any year
        // (filter "year"); each other bundle's records of them are listed in "skip".
        var skip = listing.skip || {};
        var parts = listing.bundles.map(function (path) {
          var name = path.replace(/\/$/, "");
          var revised = name === "revised";
          var skipped = {};
          (skip[name] || "").split(" ").forEach(function (id) { if (id) skipped[id] = true; });
          return { name: name, year: revised ? "" : name.slice(0, 4), revised: revised, skip: skipped, url: new URL(path, base).href };
        });
        if (!parts.length) return { parts: [], years: [], themes: listing.themes || [] };
        // One pagefind.js and one WebAssembly for every bundle: the first opens, the others merge.
        return import(parts[0].url + "pagefind.js").then(function (pagefind) {
          var instance = pagefind.createInstance({
            basePath: parts[0].url,
            noWorker: true,
            mergeFilter: { part: parts[0].name },
          });
          return Promise.all(
            parts.slice(1).map(function (part) {
              return instance.mergeIndex(part.url, { mergeFilter: { part: part.name } });
            })
          ).then(function () {
            var years = [];
            parts.forEach(function (part) { if (part.year && years.indexOf(part.year) < 0) years.push(part.year); });
            return { instance: instance, parts: parts, years: years, themes: listing.themes || [] };
          });
        });
      });
    engine.catch(function () { engine = null; });
    return engine;
  }

  // --- one query, bundle by bundle, merged into one list of papers ------------------------------

  // The ways a query may be written in the papers. A word with hyphens ("theory-of-mind",
  // "llama-2") is also looked for as separate words ("theory of mind", "Llama 2"); a quoted phrase
  // of two to four words ("chain of thought") also as the one word its hyphenated spelling is
  // indexed as ("Chain-of-Thought"). The reader's own spelling comes first.
  function spellings(query) {
    var found = [query];
    var split = query.replace(/([\p{L}\p{N}])[-\u2010\u2011](?=[\p{L}\p{N}])/gu, "$1 ");
    if (split !== query) found.push(split);
    found.slice().forEach(function (written) {
      var joined = written.replace(/"([^"]+)"/g, function (phrase, inside) {
        var parts = inside.trim().split(/\s+/);
        return parts.length >= 2 && parts.length <= 4 ? parts.join("") : phrase;
      });
      if (found.indexOf(joined) < 0) found.push(joined);
    });
    return found;
  }

  function search(state, query, theme, year, sort) {
    var parts = state.parts.filter(function (part) { return !year || part.year === year || part.revised; });
    var written = spellings(query);
    var lists = []; // per part, per spelling: its results
    // One bundle at a time (the filter "part"), in turn: they share one WebAssembly memory.
    var done = parts.reduce(function (previous, part) {
      return written.reduce(function (before, spelling) {
        return before.then(function () {
          var filters = { part: part.name };
          if (theme) filters.theme = theme;
          if (year && part.revised) filters.year = year;
          var options = { filters: filters };
          if (sort) {
            options.sort = {};
            options.sort[sort] = "desc";
          }
          return state.instance.search(spelling, options).then(function (answer) {
            // a revised paper's record in its half-year's bundle: the "revised" one replaces it
            lists.push((answer ? answer.results : []).filter(function (result) {
              return !part.skip[result.id.slice(result.id.indexOf("_") + 1)];
            }));
          });
        });
      }, previous);
    }, Promise.resolve());
    return done
      .then(function () {
        return Promise.all(lists.map(function (list) { return list.length ? data(list[0]) : null; }));
      })
      .then(function (firsts) {
        var byPart = parts.map(function () { return []; });
        lists.forEach(function (list, k) {
          var spelling = written[k % written.length];
          if (!firsts[k] || holdsEveryTerm(firsts[k], spelling)) byPart[Math.floor(k / written.length)].push(list);
        });
        // A paper found by two spellings is one result: where the first found it.
        byPart = byPart.map(function (found) {
          var seen = {};
          return found.map(function (list) {
            return list.filter(function (result) {
              if (seen[result.id]) return false;
              seen[result.id] = true;
              return true;
            });
          }).filter(function (list) { return list.length; });
        });
        var total = byPart.reduce(function (sum, found) {
          return sum + found.reduce(function (n, list) { return n + list.length; }, 0);
        }, 0);
        var revised = [];
        var others = byPart.filter(function (found, k) {
          if (parts[k].revised) revised = found;
          return !parts[k].revised;
        });
        return { total: total, next: sort ? byDay(others, revised) : byScore([].concat.apply([], byPart)) };
      });
  }

  // next(n) -> Promise of the next n results (with their data): by score, as Pagefind merges.
  function byScore(lists) {
    var all = [].concat.apply([], lists).sort(function (a, b) { return b.score - a.score; });
    var at = 0;
    return function (n) {
      var slice = all.slice(at, at + n);
      at += slice.length;
      return Promise.all(slice.map(data));
    };
  }

  // next(n) -> Promise of the next n results, newest first. The bundles hold consecutive
  // stretches of days, newest first, so their date-sorted lists simply follow each other; a
  // bundle's lists for other spellings, and the revised papers (of any day), are merged in by the
  // dates their records carry.
  function byDay(others, revised) {
    var merged = newestFirst([
      inTurn(others.map(function (found) { return newestFirst(found.map(inOrder)); })),
      newestFirst(revised.map(inOrder)),
    ]);
    return function (n) {
      return merged.peek(n).then(function (records) {
        merged.take(records.length);
        return records;
      });
    };
  }

  // A stream of results: peek(n) -> Promise of (at most) the next n records, take(n) moves past
  // them, left() counts what is still to come.
  function inOrder(list) {
    var at = 0;
    return {
      peek: function (n) { return Promise.all(list.slice(at, at + n).map(data)); },
      take: function (n) { at += n; },
      left: function () { return list.length - at; },
    };
  }

  function inTurn(streams) {
    return {
      peek: function (n) {
        var out = [];
        return streams
          .reduce(function (previous, stream) {
            return previous.then(function () {
              var need = Math.min(n - out.length, stream.left());
              if (need <= 0) return null;
              return stream.peek(need).then(function (records) { out = out.concat(records); });
            });
          }, Promise.resolve())
          .then(function () { return out; });
      },
      take: function (n) {
        streams.forEach(function (stream) {
          var mine = Math.min(n, stream.left());
          stream.take(mine);
          n -= mine;
        });
      },
      left: function () { return streams.reduce(function (sum, stream) { return sum + stream.left(); }, 0); },
    };
  }

  function newestFirst(streams) {
    var picked = []; // the stream of each record the last peek gave, in order
    return {
      peek: function (n) {
        return Promise.all(streams.map(function (stream) { return stream.peek(n); })).then(function (heads) {
          var at = heads.map(function () { return 0; });
          var out = [];
          picked = [];
          while (out.length < n) {
            var best = -1;
            for (var k = 0; k < heads.length; k++) {
              if (at[k] < heads[k].length && (best < 0 || day(heads[k][at[k]]) > day(heads[best][at[best]]))) best = k;
            }
            if (best < 0) break;
            out.push(heads[best][at[best]++]);
            picked.push(best);
          }
          return out;
        });
      },
      take: function (n) {
        picked.slice(0, n).forEach(function (k) { streams[k].take(1); });
        picked = picked.slice(n); // a stream in turn after another takes its part one by one
      },
      left: function () { return streams.reduce(function (sum, stream) { return sum + stream.left(); }, 0); },
    };
  }

  function day(record) {
    return shown(record, "date")[0] || "";
  }

  function data(result) {
    if (!result.loaded) result.loaded = result.data();
    return result.loaded;
  }

  // Besides the title, what a result shows travels in its filters (meta fields are searched).
  function shown(record, key) {
    return (record.filters && record.filters[key]) || [];
  }

  // --- Pagefind's stand-in word ------------------------------------------------------------------
  // When no indexed word starts with a query word's stem, Pagefind answers with the longest
  // indexed word that the stem starts with ("zqxfoo" finds the papers holding "z"; "viability",
  // in a bundle without it, the papers holding "via"). A bundle's answer is then that one
  // stand-in for every result, so its first result tells: when none of its matched words has a
  // stem that starts with the query word's stem (the stems Pagefind matches by), the word occurs
  // nowhere in that bundle.

  function plain(text) {
    // Lower case letters and digits: no accents, no punctuation.
    return text.toLowerCase().normalize("NFD").replace(/[^\p{L}\p{N}]/gu, "");
  }

  function stemsOf(token) {
    // A word of the content as Pagefind may have indexed it: whole, and each part between its
    // punctuation ("LLM-based": "llmbase", "llm", "base").
    var found = [englishStem(plain(token))];
    var parts = token.split(/[^\p{L}\p{N}\p{M}]+/u).filter(Boolean);
    if (parts.length > 1) parts.forEach(function (part) { found.push(englishStem(plain(part))); });
    return found;
  }

  function holdsEveryTerm(record, query) {
    var all = words(record.content);
    var matched = [];
    (record.locations || []).forEach(function (at) { matched.push.apply(matched, stemsOf(all[at] || "")); });
    if (!matched.length) return true; // matched by its title field alone: nothing to compare
    return words(query).every(function (term) {
      var stem = englishStem(plain(term));
      if (!stem) return true;
      return matched.some(function (word) { return word.indexOf(stem) === 0; });
    });
  }

  // --- the English Snowball stemmer (Porter2), as Pagefind stems words ----------------------------
  // A port of snowballstem.org's english.sbl (the version of Python's snowballstemmer 3.x, whose
  // stems Pagefind's index holds: tests/test_search_browser.py compares the two on every word of
  // the site). `word`: lower case letters and digits.

  var EXCEPTIONS = {
    andes: "andes", atlas: "atlas", bias: "bias", cosmos: "cosmos", early: "earli", gently: "gentl",
    howe: "howe", idly: "idl", news: "news", only: "onli", singly: "singl", skies: "sky", skis: "ski",
    sky: "sky", ugly: "ugli",
  };
  var R1_PREFIXES = ["univers", "commun", "arsen", "emerg", "gener", "inter", "later", "organ", "past"];
  var STEP_1B_WHOLE = ["even", "cann", "inn", "earr", "herr", "out"]; // + "ing": kept as they are
  var STEP_2 = [
    ["ational", "ate"], ["tional", "tion"], ["ization", "ize"], ["iveness", "ive"], ["fulness", "ful"],
    ["ousness", "ous"], ["biliti", "ble"], ["lessli", "less"], ["ation", "ate"], ["alism", "al"],
    ["aliti", "al"], ["iviti", "ive"], ["fulli", "ful"], ["ousli", "ous"], ["entli", "ent"],
    ["ogist", "og"], ["anci", "ance"], ["enci", "ence"], ["abli", "able"], ["alli", "al"],
    ["izer", "ize"], ["ator", "ate"], ["bli", "ble"], ["ogi", "og"], ["li", ""],
  ];
  var STEP_3 = [
    ["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"],
    ["ative", ""], ["ical", "ic"], ["ness", ""], ["ful", ""],
  ];
  var STEP_4 = [
    "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive",
    "ize", "ion", "al", "er", "ic",
  ];

  [STEP_2, STEP_3].forEach(function (list) { list.sort(function (a, b) { return b[0].length - a[0].length; }); });
  STEP_4.sort(function (a, b) { return b.length - a.length; });

  function vowel(c) { return "aeiouy".indexOf(c) >= 0; } // a consonant y is "Y"

  function longest(word, list, key) {
    // The longest entry the word ends with (lists are longest first), or null.
    for (var i = 0; i < list.length; i++) {
      var suffix = key ? list[i][0] : list[i];
      if (word.endsWith(suffix)) return list[i];
    }
    return null;
  }

  function shortSyllableAt(w, end) {
    // w[..end) ends in a short syllable: non-vowel, vowel, non-vowel other than w, x and Y; or
    // vowel, non-vowel at the start; or "past".
    var a = w[end - 3], b = w[end - 2], c = w[end - 1];
    if (end >= 3 && !vowel(a) && vowel(b) && !vowel(c) && "wxY".indexOf(c) < 0) return true;
    if (end === 2 && vowel(b) && !vowel(c)) return true;
    return end >= 4 && w.slice(end - 4, end) === "past";
  }

  function regions(w) {
    var p1;
    var prefix = R1_PREFIXES.filter(function (p) { return w.indexOf(p) === 0; })[0];
    var after = function (from) { // after the first non-vowel that follows a vowel, from `from`
      for (var i = from + 1; i < w.length; i++) if (vowel(w[i - 1]) && !vowel(w[i])) return i + 1;
      return w.length;
    };
    if (prefix) p1 = prefix.length;
    else {
      var i = 0;
      while (i < w.length && !vowel(w[i])) i++;
      p1 = i < w.length ? after(i) : w.length;
    }
    return [p1, p1 < w.length ? after(p1) : w.length];
  }

  function englishStem(word) {
    if (EXCEPTIONS.hasOwnProperty(word)) return EXCEPTIONS[word];
    if (word.length < 3) return word;
    var w = word.charAt(0) === "y" ? "Y" + word.slice(1) : word;
    for (var k = 1; k < w.length; k++) if (w[k] === "y" && vowel(w[k - 1])) w = w.slice(0, k) + "Y" + w.slice(k + 1);
    var r = regions(w), p1 = r[0], p2 = r[1];
    var ends = function (s) { return w.endsWith(s); };
    // Step 1a
    if (ends("sses")) w = w.slice(0, -2);
    else if (ends("ied") || ends("ies")) w = w.slice(0, -3) + (w.length > 4 ? "i" : "ie");
    else if (ends("s") && !ends("ss") && !ends("us")) {
      for (var v = w.length - 3; v >= 0; v--) if (vowel(w[v])) { w = w.slice(0, -1); break; }
    }
    // Step 1b
    var s1b = longest(w, ["eedly", "ingly", "edly", "eed", "ing", "ed"]);
    if (s1b === "eed" || s1b === "eedly") {
      var base = w.length - s1b.length;
      if (base >= p1 && ["succ", "proc", "exc"].indexOf(w.slice(0, base)) < 0) w = w.slice(0, base) + "ee";
    } else if (s1b) {
      var stem = w.slice(0, w.length - s1b.length);
      var done = false;
      if (s1b === "ing") {
        if (/^[^aeiouy]y$/.test(stem)) { w = stem.charAt(0) + "ie"; done = true; }
        else if (STEP_1B_WHOLE.indexOf(stem) >= 0) done = true;
      }
      if (!done && /[aeiouy]/.test(stem)) {
        w = stem;
        if (ends("at") || ends("bl") || ends("iz")) w += "e";
        else if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(w)) {
          if (!(w.length === 3 && "aeo".indexOf(w[0]) >= 0)) w = w.slice(0, -1);
        } else if (p1 === w.length && shortSyllableAt(w, w.length)) w += "e";
      }
    }
    // Step 1c
    if (w.length > 2 && (ends("y") || ends("Y")) && !vowel(w[w.length - 2])) w = w.slice(0, -1) + "i";
    // Steps 2 and 3: in R1
    var rule = longest(w, STEP_2, true);
    if (rule && w.length - rule[0].length >= p1) {
      var at = w.length - rule[0].length;
      if (rule[0] === "li") { if ("cdeghkmnrt".indexOf(w[at - 1]) >= 0) w = w.slice(0, at); }
      else if (rule[0] === "ogi") { if (w[at - 1] === "l") w = w.slice(0, at) + "og"; }
      else w = w.slice(0, at) + rule[1];
    }
    rule = longest(w, STEP_3, true);
    if (rule && w.length - rule[0].length >= p1 && (rule[0] !== "ative" || w.length - 5 >= p2)) {
      w = w.slice(0, w.length - rule[0].length) + rule[1];
    }
    // Step 4: in R2
    var suffix = longest(w, STEP_4);
    if (suffix && w.length - suffix.length >= p2) {
      var cut = w.length - suffix.length;
      if (suffix !== "ion" || "st".indexOf(w[cut - 1]) >= 0) w = w.slice(0, cut);
    }
    // Step 5
    if (ends("e")) {
      var e = w.length - 1;
      if (e >= p2 || (e >= p1 && !shortSyllableAt(w, e))) w = w.slice(0, -1);
    } else if (ends("ll") && w.length - 1 >= p2) w = w.slice(0, -1);
    return w.replace(/Y/g, "y");
  }

  window.digestStem = englishStem; // tests/test_search_browser.py holds it to Python's snowballstemmer

  // --- one result: title, date, themes and a snippet of the abstract alone -------------

  function words(text) {
    return text.split(/[\r\n\s]+/g);
  }

  function snippet(record) {
    // The record's content is the title's words, then the abstract's; Pagefind's match positions
    // count words the same way, so the abstract's matches are the positions past the title.
    var all = words(record.content);
    var skip = words(record.meta.title || "").filter(Boolean).length;
    var abstract = all.slice(skip);
    var marks = {};
    var first = -1;
    (record.locations || []).forEach(function (at) {
      if (at >= skip) {
        marks[at - skip] = true;
        if (first < 0 || at - skip < first) first = at - skip;
      }
    });
    var start = first < 0 ? 0 : Math.max(0, Math.min(first - 8, abstract.length - SNIPPET_WORDS));
    var end = Math.min(abstract.length, start + SNIPPET_WORDS);
    var p = el("p", "digest-result__snippet");
    if (start > 0) p.appendChild(document.createTextNode("… "));
    for (var i = start; i < end; i++) {
      if (i > start) p.appendChild(document.createTextNode(" "));
      p.appendChild(marks[i] ? el("mark", "", abstract[i]) : document.createTextNode(abstract[i]));
    }
    if (end < abstract.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  // "2026-11-19" -> "19 November 2026", as the pages write dates.
  function longDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return parts ? Number(parts[3]) + " " + MONTHS[Number(parts[2]) - 1] + " " + parts[1] : iso;
  }

  // The query as the status line quotes it: a phrase the reader quoted keeps their quotes only.
  function quoted(query) {
    return /^".*"$/.test(query) ? query : "\u201c" + query + "\u201d";
  }

  function resultItem(record) {
    var item = el("li", "digest-result");
    var link = el("a", "digest-result__title", record.meta.title);
    link.href = new URL(record.raw_url || record.url, siteRoot()).href;
    var heading = el("h2", "digest-result__heading");
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = el("p", "digest-result__meta");
    var day = shown(record, "date")[0] || "";
    var date = el("time", "", longDate(day));
    date.dateTime = day;
    meta.appendChild(date);
    meta.appendChild(document.createTextNode(" · " + shown(record, "theme").join(", ")));
    item.appendChild(meta);
    item.appendChild(snippet(record));
    return item;
  }

  // --- "Did you mean": a query that found nothing, its unknown words spelt as the archive spells them

  var vocabulary = null; // Promise of {list: the archive's words, commonest first; known: a Set of them}

  function loadWords() {
    if (vocabulary) return vocabulary;
    vocabulary = fetch(new URL("pagefind/words.json", siteRoot()).href)
      .then(function (response) {
        if (!response.ok) throw new Error("words.json: " + response.status);
        return response.json();
      })
      .then(function (file) {
        return { list: file.words, known: new Set(file.words) };
      });
    vocabulary.catch(function () { vocabulary = null; });
    return vocabulary;
  }

  // The changes that make `a` into `b` (a letter put in, left out or changed, or two neighbours
  // swapped), or most + 1 once it is sure to be more than `most`.
  function distance(a, b, most) {
    if (Math.abs(a.length - b.length) > most) return most + 1;
    var before = null;
    var previous = [];
    for (var j = 0; j <= b.length; j++) previous.push(j);
    for (var i = 1; i <= a.length; i++) {
      var row = [i];
      var least = i;
      for (j = 1; j <= b.length; j++) {
        var d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (before && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
        row.push(d);
        least = Math.min(least, d);
      }
      if (least > most) return most + 1;
      before = previous;
      previous = row;
    }
    return previous[b.length];
  }

  // The archive's word nearest to one no paper holds: the fewest changes, at most one (two for a
  // word of more than five letters); of those, one of the same first letter (a slip is seldom
  // there: "mnid" is "mind", not "maid"), then the commonest. Null when there is none.
  function spelt(word, words) {
    var most = word.length > 5 ? 2 : 1;
    var best = null;
    var rank = 2 * most + 2; // 2 a change + 1 for another first letter: worse than any within `most`
    for (var k = 0; k < words.list.length && rank > 2; k++) {
      var candidate = words.list[k];
      var d = distance(word, candidate, most);
      var mine = 2 * d + (candidate[0] === word[0] ? 0 : 1);
      if (d <= most && mine < rank) {
        best = candidate;
        rank = mine;
      }
    }
    return best;
  }

  // tests/test_search_browser.py asks it directly: (word, the archive's words commonest first)
  window.digestSpelt = function (word, list) {
    return spelt(word, { list: list });
  };

  // The query with each word of four letters or more that the archive does not hold spelt as
  // it does (the rest as the reader wrote it: a word of three letters is as often another word
  // as a slip, "cat" no "can"), when that finds papers under the same filters; else null.
  function suggestion(state, query, theme, year, sort) {
    return loadWords()
      .then(function (words) {
        var changed = false;
        var respelt = query.replace(/\p{L}{4,}/gu, function (word) {
          var lower = word.toLowerCase();
          var better = words.known.has(lower) ? null : spelt(lower, words);
          if (!better) return word;
          changed = true;
          return better;
        });
        if (!changed) return null;
        return search(state, respelt, theme, year, sort).then(function (found) {
          return found.total ? respelt : null;
        });
      })
      .catch(function () {
        return null; // no word list (an older site): no suggestion, the answer stands
      });
  }

  // --- the search page -----------------------------------------------------------------------

  function select(name, label, choices, value) {
    var wrap = el("label", "digest-search__field");
    wrap.appendChild(el("span", "digest-search__label", label));
    var box = el("select", "digest-search__select");
    box.name = name;
    choices.forEach(function (choice) {
      var option = el("option", "", choice[1]);
      option.value = choice[0];
      box.appendChild(option);
    });
    box.value = value || "";
    if (box.value !== (value || "")) box.value = "";
    wrap.appendChild(box);
    return wrap;
  }

  function mountPage(box, back) {
    box.dataset.mounted = "1";
    var params = new URLSearchParams(window.location.search);
    var status = el("p", "digest-search__status", "Loading the search index…");
    status.setAttribute("role", "status");
    box.replaceChildren(status);
    loadEngine()
      .then(function (state) {
        if (!state.parts.length) {
          status.textContent = "Nothing to search yet.";
          return;
        }
        var form = el("form", "digest-search__form");
        form.setAttribute("role", "search");
        var field = el("label", "digest-search__field digest-search__field--query");
        field.appendChild(el("span", "digest-search__label", "Words of a title or abstract"));
        var input = el("input", "digest-search__input");
        input.type = "search";
        input.name = "q";
        input.autocomplete = "off";
        input.spellcheck = false;
        input.value = params.get("q") || "";
        field.appendChild(input);
        form.appendChild(field);
        var themes = [["", "All themes"]].concat(state.themes.map(function (t) { return [t, t]; }));
        var years = [["", "All years"]].concat(state.years.map(function (y) { return [y, y]; }));
        form.appendChild(select("theme", "Theme", themes, params.get("theme")));
        form.appendChild(select("year", "Year", years, params.get("year")));
        form.appendChild(select("sort", "Order", SORTS, params.get("sort")));
        var list = el("ol", "digest-search__results");
        var more = el("button", "md-button digest-search__more", "Show more papers");
        more.type = "button";
        more.hidden = true;
        box.replaceChildren(form, status, list, more);
        status.textContent = "";
        status.setAttribute("aria-live", "polite");

        var next = null;
        function showMore() {
          if (!next) return Promise.resolve();
          var id = current;
          more.disabled = true;
          return next(PAGE_SIZE).then(function (records) {
            if (id !== current) return;
            records.forEach(function (record) { list.appendChild(resultItem(record)); });
            more.disabled = false;
            more.hidden = list.children.length >= Number(list.dataset.total);
          });
        }
        function run() {
          var query = input.value.trim();
          var values = {
            q: query,
            theme: form.elements.theme.value,
            year: form.elements.year.value,
            sort: form.elements.sort.value,
          };
          var address = new URLSearchParams();
          Object.keys(values).forEach(function (k) { if (values[k]) address.set(k, values[k]); });
          var search_ = address.toString();
          history.replaceState(history.state, "", window.location.pathname + (search_ ? "?" + search_ : ""));
          var header = document.getElementById("digest-searchbox-input");
          if (header && document.activeElement !== header) header.value = query;
          var id = ++current;
          box.dataset.state = "searching"; // "ready" once the first results are shown
          next = null;
          list.replaceChildren();
          more.hidden = true;
          if (!query) {
            status.textContent = "";
            box.dataset.state = "ready";
            return Promise.resolve();
          }
          status.textContent = "Searching…";
          var found = null;
          return search(state, query, values.theme, values.year, values.sort)
            .then(function (answer) {
              found = answer;
              return found.total || id !== current ? null : suggestion(state, query, values.theme, values.year, values.sort);
            })
            .then(function (respelt) {
              if (id !== current) return;
              list.dataset.total = String(found.total);
              status.textContent =
                found.total === 0
                  ? "No paper matches " + quoted(query) + "."
                  : found.total + (found.total === 1 ? " paper matches" : " papers match") + " " + quoted(query) + ".";
              if (respelt) {
                var suggested = new URLSearchParams(address);
                suggested.set("q", respelt);
                var link = el("a", "digest-search__suggestion", respelt);
                link.href = "?" + suggested.toString();
                link.addEventListener("click", function (event) {
                  event.preventDefault();
                  input.value = respelt;
                  run();
                });
                status.append(" Did you mean ", link, "?");
              }
              next = found.next;
              return showMore().then(function () {
                if (id === current) box.dataset.state = "ready";
              });
            });
        }
        var timer = null;
        input.addEventListener("input", function () {
          clearTimeout(timer);
          timer = setTimeout(run, 250);
        });
        form.addEventListener("change", function (event) {
          if (event.target !== input) run();
        });
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          clearTimeout(timer);
          run();
        });
        more.addEventListener("click", showMore);
        box.digestSearch = function (query) {
          input.value = query;
          run();
        };
        // Back from a result comes back to it: as many results as were shown, scrolled as they were.
        list.addEventListener("click", function (event) {
          if (!event.target.closest || !event.target.closest("a.digest-result__title")) return;
          var place = { address: here(), y: window.scrollY, shown: list.children.length };
          try {
            window.sessionStorage.setItem(BACK_KEY, JSON.stringify(place));
          } catch (e) {
            /* storage blocked: Back shows the first results */
          }
        });
        function restore() {
          var place = null;
          try {
            place = JSON.parse(window.sessionStorage.getItem(BACK_KEY) || "null");
            window.sessionStorage.removeItem(BACK_KEY);
          } catch (e) {
            return;
          }
          if (!place || !back || place.address !== here()) return;
          function fill() {
            if (list.children.length >= place.shown || more.hidden) return Promise.resolve();
            return showMore().then(fill);
          }
          return fill().then(function () { window.scrollTo(0, place.y); });
        }
        // Arriving from the header's box, focus is on the answer: a screen reader reads the count,
        // and the next Tab reaches the first result.
        function focusAnswer() {
          var asked = false;
          try {
            asked = window.sessionStorage.getItem(FOCUS_KEY) === "1";
            window.sessionStorage.removeItem(FOCUS_KEY);
          } catch (e) {
            return;
          }
          if (!asked || back) return;
          status.tabIndex = -1;
          status.focus({ preventScroll: true });
        }
        run().then(restore).then(focusAnswer);
      })
      .catch(function () {
        status.textContent = "Search is unavailable: its index could not be loaded.";
      });
  }

  var BACK_KEY = "digest-search-back";
  var FOCUS_KEY = "digest-search-focus"; // set by the header's box: focus the results it asked for
  var wentBack = false; // a history step (Back, Forward) led to the page Material swaps in next
  window.addEventListener("popstate", function () { wentBack = true; });

  function here() {
    return window.location.pathname + window.location.search;
  }

  var mountedOnce = false; // the page load's own navigation type holds for its first page only

  // Whether the page being mounted was reached by a history step (then forgotten).
  function cameBack() {
    var entry = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var back = wentBack || (!!entry && entry.type === "back_forward" && !mountedOnce);
    wentBack = false;
    mountedOnce = true;
    return back;
  }

  // --- the header's box, on every page ---------------------------------------------------------

  function mountHeader() {
    var form = document.querySelector("form.digest-searchbox");
    if (!form || form.dataset.mounted) return;
    form.dataset.mounted = "1";
    form.addEventListener("submit", function (event) {
      var query = form.elements.q.value.trim();
      var page = document.getElementById("digest-search");
      if (page && page.digestSearch) {
        event.preventDefault(); // already on the search page: run it there
        page.digestSearch(query);
        return;
      }
      try {
        window.sessionStorage.setItem(FOCUS_KEY, "1"); // the search page then focuses its answer
      } catch (e) {
        /* storage blocked: focus starts at the top of the page */
      }
    });
    // Escape empties the box (the browser's own), and on an empty box leaves it.
    form.elements.q.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !form.elements.q.value) form.elements.q.blur();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.querySelector(".digest-search__input") || document.getElementById("digest-searchbox-input");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  function mount() {
    mountHeader();
    var header = document.getElementById("digest-searchbox-input");
    var box = document.getElementById("digest-search");
    if (header && !box) header.value = "";
    var back = cameBack();
    if (box && !box.dataset.mounted) mountPage(box, back);
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
