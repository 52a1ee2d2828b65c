// Drives the npm "onvif" client (a third-party ONVIF implementation) against a camera and prints
// one JSON object: what it read, or {"error": ...}. Usage: node onvif-interop.js host port user password
'use strict';
const onvif = require('onvif');
const [hostname, port, username, password] = process.argv.slice(2);

function call(fn) {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function fail(err) {
  console.log(JSON.stringify({ error: String((err && err.message) || err) }));
  process.exit(2);
}

const timer = setTimeout(() => fail('timed out'), 20000);

new onvif.Cam({ hostname, port: Number(port), username, password, path: '/onvif/device_service', timeout: 5000 },
  async function (err) {
    if (err) return fail(err);
    const cam = this;
    try {
      const info = await call((cb) => cam.getDeviceInformation(cb));
      const profiles = cam.profiles.map((p) => ({
        token: p.$.token,
        name: p.name,
        encoding: p.videoEncoderConfiguration.encoding,
        width: Number(p.videoEncoderConfiguration.resolution.width),
        height: Number(p.videoEncoderConfiguration.resolution.height),
        ptz: p.PTZConfiguration ? p.PTZConfiguration.$.token : null,
      }));
      const main = await call((cb) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'main' }, cb));
      const sub = await call((cb) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'sub' }, cb));
      await call((cb) => cam.absoluteMove({ profileToken: 'main', x: 0.5, y: -0.25, zoom: 0.75 }, cb));
      const afterMove = await call((cb) => cam.getStatus({ profileToken: 'main' }, cb));
      await call((cb) => cam.setPreset({ profileToken: 'main', presetName: 'door' }, cb));
      const presets = await call((cb) => cam.getPresets({ profileToken: 'main' }, cb));
      await call((cb) => cam.absoluteMove({ profileToken: 'main', x: -1, y: 1, zoom: 0 }, cb));
      const elsewhere = await call((cb) => cam.getStatus({ profileToken: 'main' }, cb));
      await call((cb) => cam.gotoPreset({ profileToken: 'main', preset: presets.door.$.token }, cb));
      const afterGoto = await call((cb) => cam.getStatus({ profileToken: 'main' }, cb));
      const position = (s) => ({ x: Number(s.position.x), y: Number(s.position.y), zoom: Number(s.position.zoom) });
      clearTimeout(timer);
      console.log(JSON.stringify({
        media2: Boolean(cam.media2Support),
        info,
        profiles,
        streamMain: main.uri,
        streamSub: sub.uri,
        afterMove: position(afterMove),
        presetToken: presets.door.$.token,
        elsewhere: position(elsewhere),
        afterGoto: position(afterGoto),
      }));
    } catch (e) {
      fail(e);
    }
  });
