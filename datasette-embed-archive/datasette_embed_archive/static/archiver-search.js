/* Results as you type: after a pause in typing, the search page asks the server for the
   same page with the new words and swaps in its results. The server's HTML is the only
   rendering (escaped there); nothing typed is put into the page here. */
(() => {
  const form = document.querySelector("form.archiver-search");
  const box = form && form.querySelector("input[name=q]");
  const layout = document.querySelector(".archiver-search-layout");
  if (!box || !layout) return;
  const MIN_CHARS = 3, PAUSE_MS = 300;
  let timer = null, latest = 0;

  async function refresh() {
    const words = box.value.trim();
    if (words && words.length < MIN_CHARS) return;
    const url = new URL(form.action, window.location.href);
    for (const [name, value] of new FormData(form)) if (value) url.searchParams.set(name, value);
    const ticket = ++latest;
    let html;
    try {
      const response = await fetch(url, { headers: { accept: "text/html" } });
      if (!response.ok) return;
      html = await response.text();
    } catch (error) {
      return;  // the form still works the ordinary way
    }
    if (ticket !== latest) return;  // a newer search is on its way
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".archiver-search-layout");
    if (!fresh) return;
    layout.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
    history.replaceState(null, "", url.pathname + url.search);
    layout.dispatchEvent(new CustomEvent("archiver:results", { bubbles: true }));
  }

  box.setAttribute("autocomplete", "off");
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PAUSE_MS);
  });
})();
