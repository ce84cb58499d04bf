// Haven review console: keyboard shortcuts, nothing else. Served from /console/assets (CSP: script-src 'self').
// An element with data-key="x" is activated by the key x (links followed, buttons pressed, fields focused), unless the
// person is typing in a field. "?" lists the shortcuts of the page. The console works without this script.
(function () {
  'use strict';
  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === '?') {
      var help = document.getElementById('shortcuts');
      if (help) { help.hidden = !help.hidden; event.preventDefault(); }
      return;
    }
    var target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!target) {
      return;
    }
    event.preventDefault();
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) {
      target.focus();
    } else {
      target.focus();
      target.click();
    }
  });
})();
