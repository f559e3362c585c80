/* Ratchet web UI — progressive enhancement only. Every page works without this file. Loaded with `defer` from
   /assets/ (the Content-Security-Policy forbids inline scripts and inline event handlers). */
/* global document, window */
(function () {
  'use strict';
  document.documentElement.classList.add('has-js');

  // Local time beside the server's UTC rendering, in the tooltip.
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    fmt = null;
  }
  document.querySelectorAll('time[data-local]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (!fmt || isNaN(d.getTime())) return;
    el.title = fmt.format(d) + ' (your time)';
  });

  // Forms that ask before they act (scan now, revoke).
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm'))) ev.preventDefault();
    });
  });

  // Portfolio filters: selects and the checkbox apply at once; the text box filters rows as you type.
  document.querySelectorAll('form[data-autosubmit]').forEach(function (form) {
    form.querySelectorAll('select, input[type="checkbox"]').forEach(function (el) {
      el.addEventListener('change', function () {
        if (typeof form.requestSubmit === 'function') form.requestSubmit();
        else form.submit();
      });
    });
  });
  document.querySelectorAll('input[data-row-filter]').forEach(function (input) {
    var table = document.querySelector(input.getAttribute('data-row-filter'));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
    var counter = document.querySelector('[data-filter-count]');
    input.addEventListener('input', function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var hit = !needle || (row.getAttribute('data-filter-text') || '').indexOf(needle) !== -1;
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      if (counter) {
        counter.hidden = !needle;
        counter.textContent = shown + ' of ' + rows.length + ' tenants match “' + input.value.trim() + '”. Press Enter to filter on the server.';
      }
    });
  });

  // History: comparing a scan with itself is pointless; swap when "from" is newer than "to".
  document.querySelectorAll('form[data-diff-form]').forEach(function (form) {
    var from = form.querySelector('select[name="from"]');
    var to = form.querySelector('select[name="to"]');
    if (!from || !to) return;
    form.addEventListener('submit', function (ev) {
      if (from.value === to.value) {
        ev.preventDefault();
        window.alert('Pick two different scans to compare.');
      } else if (from.selectedIndex < to.selectedIndex) {
        // Options are newest first: a lower index is a newer scan.
        var v = from.value;
        from.value = to.value;
        to.value = v;
      }
    });
  });

  // A freshly created token: select it all on focus, ready to copy.
  document.querySelectorAll('input[data-select-on-focus]').forEach(function (input) {
    input.addEventListener('focus', function () { input.select(); });
  });

  // Prevent double submission of action forms.
  document.querySelectorAll('form[method="post"]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (ev.defaultPrevented) return;
      var button = form.querySelector('button[type="submit"]');
      if (!button) return;
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
