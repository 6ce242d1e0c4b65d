import { render } from 'preact';
import { restoreSession } from './api/client.ts';
import { App } from './app.tsx';
import { startAlarmSound } from './audio/alarm-sound.ts';
import './styles.css';

startAlarmSound();
void restoreSession().finally(() => render(<App />, document.getElementById('app')!));
