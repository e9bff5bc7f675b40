const config = require('./config');

App({
  onLaunch() {
    // connectContainer needs wx.cloud.init() first (base library ≥ 2.21.1).
    wx.cloud.init({ env: config.env });
  },
});
