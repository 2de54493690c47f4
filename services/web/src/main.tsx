import { render } from 'preact';
import { App } from './app';
import { startOutbox } from './outbox/outbox.store';
import './styles.css';

startOutbox();
render(<App />, document.getElementById('app')!);
