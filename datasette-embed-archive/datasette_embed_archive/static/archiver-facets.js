/* Facets of a big search, fetched after the page so the results come first.
   Values are untrusted (authors, sites, tags): they go in as text nodes only. */
function loadFacets(root) { root.querySelectorAll("[data-archiver-facets]").forEach(async (box) => {
  let data;
  try {
    const response = await fetch(box.dataset.archiverFacets, { headers: { accept: "application/json" } });
    data = await response.json();
  } catch (error) {
    box.querySelector(".archiver-facets-status").textContent = "Facets could not be loaded.";
    return;
  }
  box.textContent = "";
  for (const facet of data.facets || []) {
    const section = document.createElement("section");
    section.className = "archiver-facet";
    section.dataset.facet = facet.name;
    const title = document.createElement("h3");
    title.textContent = facet.label;
    section.append(title);
    if (facet.timed_out) {
      const note = document.createElement("p");
      note.textContent = "Too many matches to count quickly; narrow the search.";
      section.append(note);
    }
    const list = document.createElement("ul");
    for (const item of facet.values) {
      const url = new URL(window.location.href);
      url.searchParams.set(facet.name, item.value);
      url.searchParams.delete("page");
      const link = document.createElement("a");
      link.href = url.pathname + url.search;
      link.textContent = item.value;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = " " + item.count;
      const entry = document.createElement("li");
      entry.append(link, count);
      list.append(entry);
    }
    section.append(list);
    box.append(section);
  }
}); }

loadFacets(document);
// Results swapped in as the reader types (archiver-search.js) bring their own facet box.
document.addEventListener("archiver:results", (event) => loadFacets(event.target));
