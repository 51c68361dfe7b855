// Registers the service worker (offline use) and offers "Reload to update" when a new
// build is waiting. A file of its own, not inline: the Content-Security-Policy allows
// no inline script but Trunk's own loader (hashed by scripts/csp.mjs).
if ('serviceWorker' in navigator) {
  let updating = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) location.reload();
  });
  const offerUpdate = (reg) => {
    const notice = document.getElementById('update-notice');
    if (notice.childElementCount) return;
    const text = document.createElement('span');
    text.textContent = 'A new version of Facesort is ready.';
    const reload = document.createElement('button');
    reload.type = 'button';
    reload.textContent = 'Reload to update';
    reload.addEventListener('click', () => {
      updating = true;
      reload.disabled = true;
      // The newest waiting worker (another build may have arrived since the notice).
      if (reg.waiting) reg.waiting.postMessage('skip-waiting');
      else location.reload();
    });
    notice.append(text, ' ', reload);
  };
  window.addEventListener('load', async () => {
    // The live region exists (empty, so invisible) before its text, so screen readers announce it.
    const notice = document.createElement('div');
    notice.id = 'update-notice';
    notice.className = 'update-notice';
    notice.setAttribute('role', 'status');
    document.body.append(notice);
    try {
      const reg = await navigator.serviceWorker.register('./sw.js', { updateViaCache: 'none' });
      // Only an update waits: on the first install there is no controller yet.
      const check = (worker) => {
        if (worker?.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(reg);
      };
      check(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const worker = reg.installing;
        worker?.addEventListener('statechange', () => check(worker));
      });
      // Browsers look for a new sw.js on each page load; a tab left open looks hourly.
      setInterval(() => reg.update().catch(() => {}), 3_600_000);
    } catch (e) {
      console.warn('Facesort works only online here: the service worker was not registered:', e);
    }
  });
}
