/** High contrast for bright light (the `.high-contrast` theme in styles.css), kept per browser; shared with the hub's page. */
import { signal } from '@preact/signals';

const CONTRAST_KEY = 'hazmon.highContrast';
export const highContrast = signal(localStorage.getItem(CONTRAST_KEY) === '1');
document.documentElement.classList.toggle('high-contrast', highContrast.value);

export function toggleContrast(): void {
  highContrast.value = !highContrast.value;
  localStorage.setItem(CONTRAST_KEY, highContrast.value ? '1' : '0');
  document.documentElement.classList.toggle('high-contrast', highContrast.value);
}
