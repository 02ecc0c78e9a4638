module.exports = require('../../tools/jest.preset.js').preset('testing', __dirname);
