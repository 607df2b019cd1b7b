// Suggestions while typing a place: fills the search box's <datalist> from the server.
// Without JavaScript the form works the same; a misspelt place gets "Did you mean" instead.
(function () {
  "use strict";
  var input = document.getElementById("f-near");
  var list = document.getElementById("place-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var asked = "";
  input.setAttribute("list", list.id);
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var typed = input.value.trim();
    if (typed.length < 2 || /^\d+$/.test(typed)) return;
    timer = window.setTimeout(function () {
      if (typed === asked) return;
      asked = typed;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(typed), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          list.textContent = "";
          body.suggestions.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name; // text, never HTML
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
