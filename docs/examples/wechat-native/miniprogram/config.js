/**
 * Where the example connects. Fill in your own Cloud Hosting environment and service (微信云托管控制台).
 * `token` is only needed when the server does not trust WeChat's identity headers (AUTH_TRUST_WX_HEADERS),
 * e.g. for iOS "high-performance+" mode: get one from your backend and put it here (or fetch it at run time).
 */
module.exports = {
  env: 'prod-your-env-id',
  service: 'realtime-voice',
  token: '',
};
