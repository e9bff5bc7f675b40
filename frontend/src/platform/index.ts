/**
 * @module platform — picks this build's platform at compile time. The ONLY place with `#ifdef`.
 *
 * uni-app's conditional compilation keeps one branch per target, so a mini-program bundle never carries
 * Web Audio code and the H5 bundle never references `wx`.
 */
import type { AppConfig } from '../config';
// #ifdef H5
import { createH5Platform } from './h5';
// #endif
// #ifdef MP-ALIPAY
import { createAlipayPlatform } from './mp-alipay';
// #endif
// #ifdef MP-TOUTIAO
import { createToutiaoPlatform } from './mp-toutiao';
// #endif
// #ifdef MP-WEIXIN
import { createWeixinPlatform } from './mp-weixin';
import type { Platform } from './types';

// #endif

export type * from './types';

/** The platform this bundle was built for. */
export function createPlatform(config: AppConfig): Platform {
  let platform: Platform | undefined;
  // #ifdef H5
  platform = createH5Platform(config);
  // #endif
  // #ifdef MP-WEIXIN
  platform = createWeixinPlatform(config);
  // #endif
  // #ifdef MP-ALIPAY
  platform = createAlipayPlatform(config);
  // #endif
  // #ifdef MP-TOUTIAO
  platform = createToutiaoPlatform(config);
  // #endif
  if (!platform)
    throw new Error('unsupported build target: build for mp-weixin, mp-alipay, mp-toutiao or h5');
  return platform;
}
