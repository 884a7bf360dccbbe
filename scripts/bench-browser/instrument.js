// Injected into every bench page (page.addInitScript) before the app's own scripts: passive
// probes the bench reads back through window.__bench. Plain JS on purpose: functions compiled by
// tsx carry helpers that do not exist in the page.
(() => {
  const now = () => performance.now();
  const b = {
    longTasks: [],
    opens: {},
    compares: {},
    compareChange: null,
    compareRowFrame: null,
    change: null,
    firstRow: null,
    firstRowFrame: null,
    maxFrameGap: 0,
  };
  window.__bench = b;

  // Waiting without polling: the bench awaits these promises through one page.evaluate each.
  // Polling from the bench (Playwright's locator.waitFor runs its selector engine in every
  // animation frame, getByRole computing accessible names) took the page's main thread in turns
  // with the render it measured: 100-200 ms of a 4 GiB open at load 24, in a Chromium trace.
  const waiters = [];
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (!waiters[i].test()) continue;
      waiters[i].resolve(now());
      waiters.splice(i, 1);
    }
  };
  const when = (test) => new Promise((resolve) => {
    waiters.push({ test, resolve });
    settle();
  });
  /** Resolves once the first row of the file being opened is painted. */
  b.whenRowPainted = () => when(() => b.firstRowFrame !== null);
  /** Resolves once more than `before` opens were posted, the last one answered, and its first row painted. */
  b.whenOpened = (before) => when(() => {
    const o = Object.values(b.opens);
    return o.length > before && o[o.length - 1].reply !== undefined && b.firstRowFrame !== null;
  });

  // Main-thread tasks over 50 ms (the Long Tasks API reports nothing shorter).
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    b.longTaskError = String(e);
  }
  b.resetLongTasks = () => {
    b.longTasks = [];
    b.maxFrameGap = 0;
  };

  // The longest gap between animation frames, a second view of the same responsiveness.
  let last = 0;
  const tick = (t) => {
    if (last) b.maxFrameGap = Math.max(b.maxFrameGap, t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // The app's worker protocol (src/worker/protocol.ts), observed from the page: when each
  // 'open' request was posted, its first progress, devices-first and outline events, and when
  // its reply arrived.
  const NativeWorker = window.Worker;
  if (NativeWorker) {
    window.Worker = class extends NativeWorker {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          const m = e.data;
          if (!m) return;
          const o = m.kind === 'event' && m.event ? b.opens[m.event.id] : undefined;
          if (o && m.event.type === 'progress' && o.firstProgress === undefined) o.firstProgress = now();
          // A compressed image: the last decompression progress (all input read, `produced` set)
          // comes once its stream is in the spill, before the scan of the spill starts.
          if (o && m.event.type === 'progress' && m.event.produced !== undefined && m.event.scanned === m.event.total) (o.inflated = now()), (o.lastProduced = m.event.produced);
          // Its first decompression progress (the first 1 MiB of compressed input decoded): the
          // decoding's throughput is measured from here, after the sniff and the spill's opening.
          if (o && m.event.type === 'progress' && m.event.produced !== undefined && o.firstInflate === undefined) (o.firstInflate = now()), (o.firstProduced = m.event.produced);
          // The comparison (issue #13): its first devices event, each stage, its reply.
          const c = m.kind === 'event' && m.event ? b.compares[m.event.id] : m.kind === 'reply' ? b.compares[m.id] : undefined;
          if (c && m.kind === 'event' && m.event.type === 'compare-devices') c[m.event.stage] = now();
          if (c && m.kind === 'reply') (c.reply = now()), (c.ok = m.ok), (c.error = m.ok ? undefined : m.error && m.error.message);
          if (o && (m.event.type === 'devices' || m.event.type === 'outline' || m.event.type === 'container')) {
            o[m.event.type] = now();
            performance.mark(`bench-${m.event.type}`);
          }
          if (m.kind === 'reply' && b.opens[m.id]) {
            const o = b.opens[m.id];
            o.reply = now();
            performance.mark('bench-reply');
            o.ok = m.ok;
            if (m.ok && m.value && m.value.model) {
              o.records = m.value.model.records.length;
              o.problems = m.value.model.problems.length;
              o.complete = m.value.model.complete;
            } else if (!m.ok) {
              o.error = m.error && m.error.message;
            }
          }
          if (m.kind === 'reply') settle();
        });
      }
      postMessage(msg, ...rest) {
        if (msg && msg.request && msg.request.type === 'compare') b.compares[msg.id] = { posted: now(), name: msg.request.name };
        if (msg && msg.request && msg.request.type === 'open') {
          b.opens[msg.id] = { posted: now(), name: msg.request.name, size: msg.request.file && msg.request.file.size };
          // Marks (here and below) put the probes' moments into a Chromium trace (BENCH_PROFILE).
          performance.mark('bench-open-posted');
        }
        return super.postMessage(msg, ...rest);
      }
    };
  }

  // From the file input's change event to the first body row of the "Sections" table.
  const rowSelector = 'table[aria-label="Sections"] tbody tr:not(.spacer)';
  let observer = null;
  // Rows of a file opened before are marked, so only a row of the new file counts.
  const OLD = '__benchOld';
  const look = () => {
    if (b.firstRow !== null || ![...document.querySelectorAll(rowSelector)].some((r) => !r[OLD])) return;
    b.firstRow = now();
    observer.disconnect();
    // The frame that paints it: rAF callbacks run right before the frame's paint.
    requestAnimationFrame(() => {
      b.firstRowFrame = now();
      performance.mark('bench-first-row-frame');
      settle();
    });
  };
  // From the "Compare with…" input's change event to the frame painting the first row of the
  // "Sections compared" table (only changed sections are listed, so a row means a difference shown).
  const cmpSelector = 'table[aria-label="Sections compared"] tbody tr';
  let cmpObserver = null;
  const cmpLook = () => {
    if (b.compareRowFrame !== null || !document.querySelector(cmpSelector)) return;
    cmpObserver.disconnect();
    requestAnimationFrame(() => (b.compareRowFrame = now()));
  };
  document.addEventListener(
    'change',
    (e) => {
      const t = e.target;
      if (!(t instanceof HTMLInputElement) || t.type !== 'file' || !t.closest('label') || !/Compare with/.test(t.closest('label').textContent)) return;
      b.compareChange = now();
      b.compareRowFrame = null;
      if (cmpObserver) cmpObserver.disconnect();
      cmpObserver = new MutationObserver(cmpLook);
      cmpObserver.observe(document.documentElement, { childList: true, subtree: true });
    },
    true,
  );
  document.addEventListener(
    'change',
    (e) => {
      const t = e.target;
      if (!(t instanceof HTMLInputElement) || t.type !== 'file') return;
      b.change = now();
      performance.mark('bench-change');
      for (const r of document.querySelectorAll(rowSelector)) r[OLD] = true;
      b.firstRow = null;
      b.firstRowFrame = null;
      if (observer) observer.disconnect();
      observer = new MutationObserver(look);
      observer.observe(document.documentElement, { childList: true, subtree: true });
      look();
    },
    true,
  );
})();
