// window.rawRead({ inflight, slice, mode }): runs raw-worker.js over the picked file and
// resolves with its timing.
(() => {
  let worker = null;
  window.rawRead = (opts) =>
    new Promise((resolve, reject) => {
      const file = document.getElementById('file').files[0];
      if (!file) return reject(new Error('no file picked'));
      worker ??= new Worker('raw-worker.js', { name: 'raw-read' });
      worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ file, ...opts });
    });
})();
