// listen: record a mark without reloading the page. The forms work without this script too
// (a plain POST, then back to the page); with it, the post leaves the list at once.
"use strict";

function announce(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

function focusAfter(card) {
  // Keep keyboard users in place: the next post's first button, else the section's heading.
  const next = card.nextElementSibling && card.nextElementSibling.querySelector("button");
  const heading = card.closest("section") && card.closest("section").querySelector("h2");
  if (next) next.focus();
  else if (heading) { heading.tabIndex = -1; heading.focus(); }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList.contains("mark") || !window.fetch || !event.submitter) return;
  event.preventDefault();
  const card = form.closest("[data-post]");
  const body = new URLSearchParams(new FormData(form, event.submitter));
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error("the server said " + response.status);
    const result = await response.json();
    announce("Marked: " + result.said + ".");
    focusAfter(card);
    card.remove();
  } catch (error) {
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    announce("Not recorded (" + error.message + "): reload the page and try again.");
  }
});
