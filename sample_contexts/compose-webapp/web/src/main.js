import './style.css';
console.log('webapp');
