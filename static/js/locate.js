// "Use my location": fills the place field with the browser's coordinates and searches.
// Without JavaScript or geolocation the button stays hidden and the form works as typed.
// Its messages come translated with the page, on the button's data attributes.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.getElementById("use-location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.dataset.finding;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var form = button.form;
        form.elements.near.value =
          position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
        status.textContent = button.dataset.searching;
        form.submit();
      },
      function () {
        button.disabled = false;
        status.textContent = button.dataset.failed;
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
