module.exports = require('../../tools/jest.preset.js').preset('auth', __dirname);
