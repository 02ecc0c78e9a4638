module.exports = require('../../tools/jest.preset.js').preset('presence', __dirname);
