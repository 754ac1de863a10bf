/** ImageRepository and ImagePolicy controllers (work in progress: registers nothing yet). */
import type { Manager } from '@weft/runtime/manager';

export type ReflectorOptions = Record<string, never>;

export function addReflector(_manager: Manager, _options: ReflectorOptions): void {}
