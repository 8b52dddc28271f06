/**
 * @module Stands in for zod's locale index in a plugin process (see zod-locales.ts): the same
 * names, each loading zod's own module for that locale the first time it is called.
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { SDK_LOCALES_INDEX } from './zod-locales.ts';

type Locale = () => { localeError: z.core.$ZodErrorMap };

// Synchronous, as `z.locales.fr()` is: require() loads an ES module (and shares the instances of
// zod's modules that import already loaded).
const load = createRequire(SDK_LOCALES_INDEX);
const onDemand =
  (file: string): Locale =>
  () =>
    (load(`./${file}`) as { default: Locale }).default();

export const ar = onDemand('ar.js');
export const az = onDemand('az.js');
export const be = onDemand('be.js');
export const bg = onDemand('bg.js');
export const bn = onDemand('bn.js');
export const ca = onDemand('ca.js');
export const ckb = onDemand('ckb.js');
export const cs = onDemand('cs.js');
export const da = onDemand('da.js');
export const de = onDemand('de.js');
export const el = onDemand('el.js');
export const en = onDemand('en.js');
export const eo = onDemand('eo.js');
export const es = onDemand('es.js');
export const fa = onDemand('fa.js');
export const fi = onDemand('fi.js');
export const fr = onDemand('fr.js');
export const frCA = onDemand('fr-CA.js');
export const gu = onDemand('gu.js');
export const he = onDemand('he.js');
export const hi = onDemand('hi.js');
export const hr = onDemand('hr.js');
export const hu = onDemand('hu.js');
export const hy = onDemand('hy.js');
export const id = onDemand('id.js');
export const is = onDemand('is.js');
export const it = onDemand('it.js');
export const ja = onDemand('ja.js');
export const ka = onDemand('ka.js');
export const kh = onDemand('kh.js');
export const km = onDemand('km.js');
export const kn = onDemand('kn.js');
export const ko = onDemand('ko.js');
export const lt = onDemand('lt.js');
export const mk = onDemand('mk.js');
export const ms = onDemand('ms.js');
export const ne = onDemand('ne.js');
export const nl = onDemand('nl.js');
export const nn = onDemand('nn.js');
export const no = onDemand('no.js');
export const ota = onDemand('ota.js');
export const ps = onDemand('ps.js');
export const pl = onDemand('pl.js');
export const pt = onDemand('pt.js');
export const ptBR = onDemand('pt-BR.js');
export const ro = onDemand('ro.js');
export const ru = onDemand('ru.js');
export const sk = onDemand('sk.js');
export const sl = onDemand('sl.js');
export const sv = onDemand('sv.js');
export const ta = onDemand('ta.js');
export const tg = onDemand('tg.js');
export const th = onDemand('th.js');
export const tk = onDemand('tk.js');
export const tr = onDemand('tr.js');
export const ua = onDemand('ua.js');
export const uk = onDemand('uk.js');
export const ur = onDemand('ur.js');
export const uz = onDemand('uz.js');
export const vi = onDemand('vi.js');
export const zhCN = onDemand('zh-CN.js');
export const zhTW = onDemand('zh-TW.js');
export const yo = onDemand('yo.js');
