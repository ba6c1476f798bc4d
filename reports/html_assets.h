// The style sheet and script the HTML report carries inline (it must open from disk, offline).
#pragma once

namespace ipcc::html {

inline constexpr const char* kStyle = R"CSS(
:root{--ok:#e6f4ea;--okf:#1e6b34;--bad:#fde7e7;--badf:#a31515;--err:#fff0e0;--errf:#a14400;--uns:#eeeaf6;--unsf:#4a3a7a;--skip:#f0f0f0;--skipf:#555;--line:#d9dde3}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2329;background:#fafbfc}
header{background:#24292f;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header .meta{margin:4px 0 0;color:#c9d1d9}
header nav a{color:#9ecbff;margin-right:14px;text-decoration:none}
main{padding:8px 24px 40px}
section{margin-top:22px}
h2{font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}
td.diff{background:#fff8c5}
.problems{border:2px solid #d73a49;background:#fff5f5;padding:6px 16px;border-radius:6px}
.problems h2{color:#b31d28;border:0}
.filters{display:none;gap:6px;flex-wrap:wrap;margin:8px 0}
.js .filters{display:flex}
.filters button{border:1px solid #b8bfc8;background:#fff;border-radius:14px;padding:3px 12px;cursor:pointer;font:inherit}
.filters button.on{background:#0969da;border-color:#0969da;color:#fff}
.filters .sep{width:12px}
#shown{color:#555;margin:4px 0}
.matrix{border:1px solid var(--line);background:#fff;border-radius:6px;overflow-x:auto}
.row{display:grid;grid-template-columns:minmax(20rem,2.4fr) repeat(var(--cols),minmax(9rem,1fr)) 7.5rem;border-top:1px solid #eef0f2;align-items:stretch}
.row>div{padding:3px 8px;min-width:0;overflow:hidden;text-overflow:ellipsis}
.row.head{font-weight:600;background:#f3f4f6;border-top:0;position:sticky;top:0;z-index:1}
.row.head small{display:block;font-weight:400;color:#666}
summary{list-style:none;cursor:pointer}
summary::-webkit-details-marker{display:none}
summary .name::before{content:"\25B8";display:inline-block;width:1.1em;color:#777;transition:transform .1s}
details[open]>summary .name::before{transform:rotate(90deg)}
.mech>summary{background:#eef2f7;font-weight:600}
.iface>summary{background:#f7f9fb}
.mech>summary .name{padding-left:6px}
.iface>summary .name{padding-left:22px}
.case>summary .name{padding-left:40px;white-space:nowrap}
.case>summary .name small{color:#667;margin-left:6px}
.row:hover{background:#f6f8fa}
.agg{font-size:12px;color:#333}
.agg .reg{color:var(--badf);font-weight:600}
.cell{text-align:center;font-weight:600;font-size:12px;border-left:1px solid #fff}
.cell small{display:block;font-weight:400;font-size:11px}
.o-PASS{background:var(--ok);color:var(--okf)}
.o-FAIL{background:var(--bad);color:var(--badf)}
.o-ERROR,.o-CRASH,.o-TIMEOUT{background:var(--err);color:var(--errf)}
.o-UNSUPPORTED{background:var(--uns);color:var(--unsf)}
.o-SKIP{background:var(--skip);color:var(--skipf)}
.o-none{color:#aaa;font-weight:400}
.v-regression{box-shadow:inset 0 0 0 2px #cf222e}
.v-expected-deviation{background-image:repeating-linear-gradient(135deg,transparent 0 6px,rgba(255,255,255,.55) 6px 12px)}
.v-unexpected-pass{box-shadow:inset 0 0 0 2px #bf8700}
.ev{text-align:center;font-size:12px}
.ev.yes{color:var(--okf)}
.ev.no{color:#999}
.more{padding:8px 12px 12px 40px;background:#fcfcfd;border-top:1px dashed var(--line)}
.more .statement{font-style:italic;border-left:3px solid #c8d1dc;padding-left:8px;margin:4px 0}
.ref{display:inline-block;background:#eef2f7;border-radius:4px;padding:0 6px;margin:1px 3px 1px 0;font-size:12px}
.per{margin-top:8px}
.per h4{margin:8px 0 2px;font-size:13px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #e1e4e8;padding:6px 8px;margin:2px 0;font-size:12px;max-height:20em;overflow:auto}
.tiny{color:#666;font-size:12px}
.compat td{text-align:center}
.compat td:first-child{text-align:left;font-weight:600}
.c-full{background:var(--ok);color:var(--okf)}
.c-partial{background:#fff4d6;color:#7a5200}
.c-none{background:var(--bad);color:var(--badf)}
.c-not-run{color:#888}
.chart{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px;max-width:100%;height:auto}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;border-radius:3px}
#none-shown{padding:10px;color:#555}
)CSS";

// Filters rows by the tags in their data-flags attribute. "#filter=<name>" in the address applies a
// filter on load (and is updated when a button is pressed), so a filtered view can be linked to.
inline constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var names = ['all', 'regression', 'deviation', 'expected', 'unexpected', 'differs'];
  function normal(f) {
    if (names.indexOf(f) < 0 && /s$/.test(f)) f = f.slice(0, -1);
    return names.indexOf(f) < 0 ? 'all' : f;
  }
  function apply(f) {
    f = normal(f);
    document.body.setAttribute('data-filter', f);
    var cases = document.querySelectorAll('details.case');
    var shown = 0;
    cases.forEach(function (c) {
      var flags = (c.getAttribute('data-flags') || '').split(' ');
      var visible = f === 'all' || flags.indexOf(f) >= 0;
      c.hidden = !visible;
      if (visible) shown++;
    });
    document.querySelectorAll('details.group').forEach(function (g) {
      var any = g.querySelector('details.case:not([hidden])') !== null;
      g.hidden = !any;
      if (any && f !== 'all') g.open = true;
    });
    document.querySelectorAll('.filters button[data-filter]').forEach(function (b) {
      var on = b.getAttribute('data-filter') === f;
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    var text = document.getElementById('shown');
    if (text) text.textContent = 'Showing ' + shown + ' of ' + cases.length + ' cases';
    var none = document.getElementById('none-shown');
    if (none) none.hidden = shown > 0;
  }
  function reveal(id) {
    var el = document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === 'DETAILS') { p.hidden = false; p.open = true; }
    }
    if (el) el.scrollIntoView();
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    var m = /(?:^|&)filter=([a-z]+)/.exec(h);
    apply(m ? m[1] : document.body.getAttribute('data-filter') || 'all');
    if (/^case-/.test(h)) reveal(h);
  }
  document.querySelectorAll('.filters button[data-filter]').forEach(function (b) {
    b.addEventListener('click', function () { location.hash = 'filter=' + b.getAttribute('data-filter'); });
  });
  document.querySelectorAll('.filters button[data-open]').forEach(function (b) {
    b.addEventListener('click', function () {
      var open = b.getAttribute('data-open') === 'all';
      document.querySelectorAll('details.group').forEach(function (g) { if (!g.hidden) g.open = open; });
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
)JS";

}  // namespace ipcc::html
