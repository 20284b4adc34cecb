/* edubridge survey pages: optional enhancements. Every page works without this file; it only
 * adds a "use my location" button to location questions, filling the latitude and longitude
 * boxes a respondent would otherwise type. */
(function () {
  'use strict';
  if (!navigator.geolocation || !document.querySelectorAll) return;
  var sets = document.querySelectorAll('fieldset[data-geopoint]');
  for (var i = 0; i < sets.length; i++) enhance(sets[i]);

  function enhance(set) {
    var inputs = set.querySelectorAll('input[type=text]');
    if (inputs.length < 2) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = set.getAttribute('data-locate-label');
    var status = document.createElement('p');
    status.className = 'hint';
    status.setAttribute('role', 'status');
    button.onclick = function () {
      status.textContent = set.getAttribute('data-locating-label');
      navigator.geolocation.getCurrentPosition(function (pos) {
        inputs[0].value = pos.coords.latitude.toFixed(6);
        inputs[1].value = pos.coords.longitude.toFixed(6);
        status.textContent = '';
        inputs[0].focus();
      }, function () {
        status.textContent = set.getAttribute('data-locate-failed-label');
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    };
    set.appendChild(button);
    set.appendChild(status);
  }
})();
