/** ImageUpdateAutomation controller (work in progress: registers nothing yet). */
import type { Manager } from '@weft/runtime/manager';

export type AutomationOptions = Record<string, never>;

export function addAutomation(_manager: Manager, _options: AutomationOptions): void {}
